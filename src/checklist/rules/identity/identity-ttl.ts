import { goDurationSeconds } from '../../inspect';
import { Level, objectName, Rule } from '../../rule';

export const identityTtl: Rule = {
  id: 'SPIRE-ID2',
  level: Level.ERROR,
  title: 'Every identity has an X509-SVID TTL of at most 1 hour.',
  reason: 'A stolen SVID is useful until it expires; short lifetimes bound the damage.',
  fix: "Keep 'x509SvidTtl' at 1h or less, or acknowledge the exception with a reason.",
  neutralFix: 'Set the ClusterSPIFFEID\'s spec.ttl (a ClusterStaticEntry\'s x509SVIDTTL) to 1h or less.',
  check: (objects) =>
    (objects as any[]).flatMap((o) => {
      const ttl = o.kind === 'ClusterSPIFFEID' ? o.spec?.ttl : o.kind === 'ClusterStaticEntry' ? o.spec?.x509SVIDTTL : undefined;
      return ttl !== undefined && goDurationSeconds(ttl) > 3600 ? [{ object: objectName(o), message: `X509-SVID TTL is ${ttl}, above 1h.` }] : [];
    }),
};
