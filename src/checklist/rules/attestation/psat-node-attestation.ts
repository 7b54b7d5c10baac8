import { agentConfigs, plugins, serverConfigs } from '../../inspect';
import { Level, Rule } from '../../rule';

export const psatNodeAttestation: Rule = {
  id: 'SPIRE-ATT1',
  level: Level.ERROR,
  title: 'Nodes attest with k8s_psat (projected service account tokens).',
  reason: 'Projected tokens are audience-bound and short-lived; the legacy k8s_sat attestor was removed in SPIRE 1.12, join tokens are for bootstrapping.',
  fix: 'Use NodeAttestor.k8sPsat (SpireServer and SpireAgent do).',
  neutralFix: 'Use the k8s_psat NodeAttestor in server.conf and agent.conf (the agent presenting a projected service account token with audience spire-server).',
  check: (objects) => [
    ...serverConfigs(objects)
      .filter((f) => f.config && !plugins(f.config, 'NodeAttestor').some(([n]) => n === 'k8s_psat'))
      .map((f) => ({ object: f.name, message: 'server.conf has no k8s_psat NodeAttestor.' })),
    ...agentConfigs(objects)
      .filter((f) => f.config && !plugins(f.config, 'NodeAttestor').some(([n]) => n === 'k8s_psat'))
      .map((f) => ({ object: f.name, message: `agent.conf attests with ${plugins(f.config, 'NodeAttestor').map(([n]) => n).join(', ') || 'nothing'}, not k8s_psat.` })),
  ],
};
