import { containersOf, Workload, workloads, workloadsRunning } from '../../inspect';
import { Level, Rule } from '../../rule';

/**
 * istio-agent uses SPIRE only when it finds `socket` in its `/run/secrets/workload-spiffe-uds`
 * mount (the agent's socket directory, through the CSI driver); SPIRE names its socket otherwise.
 */
export const agentIstioSocket: Rule = {
  id: 'SPIRE-AGT2',
  level: Level.ERROR,
  title: 'When sidecars use the spire injection template, the agent\'s socket directory has `socket`.',
  reason: 'istio-proxy looks for /run/secrets/workload-spiffe-uds/socket; without that name it falls back to istiod\'s CA and the SPIFFE principals never match.',
  fix: "Keep SpireAgent 'socketAlternateNames' with 'socket' (the default).",
  neutralFix: 'Make the agent\'s socket also reachable as `socket` in the socket directory (a symlink, e.g. made by an init container): Istio\'s SPIRE integration looks for that name.',
  check: (objects) => {
    const spirePods = workloads(objects).filter((w) => (w.podAnnotations['inject.istio.io/templates'] ?? '').split(',').map((t) => t.trim()).includes('spire'));
    if (spirePods.length === 0) return [];
    const links = (w: Workload) => (w.podSpec.initContainers ?? []).some((c: any) => /\bln\b[^&;]*\/socket(\s|$|&|;|\})/.test([...(c.command ?? []), ...(c.args ?? [])].join(' ')));
    return workloadsRunning(objects, 'spire-agent')
      .filter((agent) => containersOf(agent.podSpec).length > 0 && !links(agent))
      .map((agent) => ({ object: agent.name, message: `${spirePods.length} workload(s) use the spire injection template, but the agent's socket directory has no \`socket\` link.` }));
  },
};
