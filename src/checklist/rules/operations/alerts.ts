import { workloadsRunning } from '../../inspect';
import { Level, Rule } from '../../rule';

export const alerts: Rule = {
  id: 'SPIRE-OPS1',
  level: Level.WARN,
  title: 'Alerts fire when the SPIRE server or an agent is down.',
  reason: 'Workloads keep cached SVIDs only until they expire; an outage must page someone before that.',
  fix: "Keep the SpireServer 'monitoring.prometheusRule' (the default).",
  check: (objects) => {
    const names = (objects as any[])
      .filter((o) => o.kind === 'PrometheusRule')
      .flatMap((o) => (o.spec?.groups ?? []).flatMap((g: any) => (g.rules ?? []).map((r: any) => String(r.alert ?? ''))));
    const servers = workloadsRunning(objects, 'spire-server');
    if (servers.length === 0) return [];
    const missing = [!names.some((n) => /server/i.test(n) && /down/i.test(n)) && 'server down', !names.some((n) => /agent/i.test(n) && /down/i.test(n)) && 'agent down'].filter(Boolean);
    return missing.length > 0 ? [{ object: servers[0].name, message: `no PrometheusRule alert for ${missing.join(' and ')}.` }] : [];
  },
};
