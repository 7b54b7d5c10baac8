import { goDurationSeconds, serverConfigs } from '../../inspect';
import { Level, Rule } from '../../rule';

export const svidTtl: Rule = {
  id: 'SPIRE-CA3',
  level: Level.ERROR,
  title: 'The default X509-SVID TTL is at most 1 hour.',
  reason: 'A stolen SVID is useful until it expires; short lifetimes bound the damage.',
  fix: "Set 'defaultX509SvidTtl' to 1h or less (the default).",
  neutralFix: 'Set server.default_x509_svid_ttl in server.conf to 1h or less.',
  check: (objects) =>
    serverConfigs(objects)
      .filter((f) => f.config?.server && goDurationSeconds(f.config.server.default_x509_svid_ttl ?? '1h') > 3600)
      .map((f) => ({ object: f.name, message: `default_x509_svid_ttl is ${f.config.server.default_x509_svid_ttl}, above 1h.` })),
};
