import { workloadsRunning } from '../../inspect';
import { Level, Rule } from '../../rule';

export const alerts: Rule = {
  id: 'SPIRE-OPS1',
  level: Level.WARN,
  title: 'Alerts fire when the SPIRE server or an agent is down.',
  reason: 'Workloads keep cached SVIDs only until they expire; an outage must page someone before that.',
  fix: "Keep the SpireServer 'monitoring.prometheusRule' and the SpireAgent 'monitoring.prometheusRule' (the defaults).",
  neutralFix: 'Add PrometheusRules (monitoring.coreos.com/v1) that alert when the SPIRE server or an agent is down.',
  check: (objects) => {
    const names = (objects as any[])
      .filter((o) => o.kind === 'PrometheusRule')
      .flatMap((o) => (o.spec?.groups ?? []).flatMap((g: any) => (g.rules ?? []).map((r: any) => String(r.alert ?? ''))));
    // Each component is checked where it runs: a server without a server-down alert, agents
    // without an agent-down alert (a server rendered alone needs no agent alert, and the reverse).
    const has = (what: RegExp) => names.some((n) => what.test(n) && /down/i.test(n));
    const findings = [];
    const servers = workloadsRunning(objects, 'spire-server');
    if (servers.length > 0 && !has(/server/i)) findings.push({ object: servers[0].name, message: 'no PrometheusRule alert for server down.' });
    const agents = workloadsRunning(objects, 'spire-agent');
    if (agents.length > 0 && !has(/agent/i)) findings.push({ object: agents[0].name, message: 'no PrometheusRule alert for agent down.' });
    return findings;
  },
};
