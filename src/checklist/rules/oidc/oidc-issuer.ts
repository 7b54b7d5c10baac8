import { oidcProviderConfigs, serverConfigs } from '../../inspect';
import { Level, Rule } from '../../rule';

/** The host of an https URL, or undefined when it is not one. */
function httpsHost(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' && u.hostname !== '' ? u.hostname : undefined;
  } catch {
    return undefined;
  }
}

export const oidcIssuer: Rule = {
  id: 'SPIRE-OIDC1',
  level: Level.ERROR,
  title: "The OIDC discovery provider's jwt_issuer is https, among its domains, and equal to the server's jwt_issuer.",
  reason:
    'Relying parties (cloud IAM, any OIDC client) accept a JWT-SVID only when its `iss` equals the issuer of the discovery document they fetched over https; ' +
    'the provider answers only for hosts in its domains.',
  fix: "Use SpireStack's oidcDiscoveryProvider option (it sets the server's jwtIssuer to the provider's https issuer), or set both to the same https URL.",
  neutralFix: 'Set the OIDC discovery provider\'s jwt_issuer and the server\'s jwt_issuer (server.conf) to the same https URL, and list its host in the provider\'s domains.',
  check: (objects) => {
    const servers = serverConfigs(objects);
    const hits = [];
    for (const f of oidcProviderConfigs(objects)) {
      const c = f.config ?? {};
      const issuer = c.jwt_issuer;
      const host = httpsHost(issuer);
      if (host === undefined) {
        hits.push({ object: f.name, message: `jwt_issuer ${JSON.stringify(issuer ?? '')} is not an https URL.` });
        continue;
      }
      if (!(Array.isArray(c.domains) && c.domains.includes(host))) {
        hits.push({ object: f.name, message: `domains do not contain the issuer's host ${host}: the provider refuses requests for it.` });
      }
      // The servers of the provider's trust domain (every server when the config names none).
      const td = c.workload_api?.trust_domain;
      for (const s of servers.filter((x) => td === undefined || x.config?.server?.trust_domain === td)) {
        const serverIssuer = s.config?.server?.jwt_issuer;
        if (serverIssuer !== issuer) {
          hits.push({ object: f.name, message: `jwt_issuer ${JSON.stringify(issuer)} differs from ${s.name}'s jwt_issuer ${JSON.stringify(serverIssuer ?? '')}: its JWT-SVIDs carry another iss.` });
        }
      }
    }
    return hits;
  },
};
