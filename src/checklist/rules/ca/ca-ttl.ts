import { goDurationSeconds, serverConfigs } from '../../inspect';
import { Level, Rule } from '../../rule';

export const caTtl: Rule = {
  id: 'SPIRE-CA2',
  level: Level.ERROR,
  title: 'The CA TTL is at most 7 days.',
  reason: 'A shorter CA lifetime means faster rotation and a smaller blast radius if a CA key leaks.',
  fix: "Set 'caTtl' to 7 days or less (the default is 24h).",
  neutralFix: 'Set server.ca_ttl in server.conf to 168h or less.',
  check: (objects) =>
    serverConfigs(objects)
      .filter((f) => f.config?.server && goDurationSeconds(f.config.server.ca_ttl ?? '24h') > 7 * 86400)
      .map((f) => ({ object: f.name, message: `ca_ttl is ${f.config.server.ca_ttl}, above 168h.` })),
};
