import { containersOf, plugins, serverConfigs, workloads } from '../../inspect';
import { Level, objectName, Rule } from '../../rule';

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

export const noSecretLiterals: Rule = {
  id: 'SPIRE-SEC1',
  level: Level.ERROR,
  title: 'No secret value is written into any manifest.',
  reason: 'Manifests end up in Git, CI logs and pull requests; secrets there are leaked secrets.',
  fix: 'Reference existing Secrets (secretKeyRef, mounted files, ${ENV} in SPIRE configs); never inline values.',
  check: (objects) => {
    const hits = [];
    for (const o of objects as any[]) {
      if (o.kind === 'Secret' && (Object.keys(o.data ?? {}).length > 0 || Object.keys(o.stringData ?? {}).length > 0)) {
        hits.push({ object: objectName(o), message: 'a Secret with its values in the manifest.' });
      }
    }
    for (const w of workloads(objects)) {
      for (const c of containersOf(w.podSpec)) {
        for (const e of c.env ?? []) {
          if (e.value !== undefined && e.value !== '' && SECRET_NAME.test(e.name)) {
            hits.push({ object: w.name, message: `container ${c.name} sets ${e.name} to a literal value.` });
          }
        }
      }
    }
    for (const f of serverConfigs(objects)) {
      for (const [, d] of plugins(f.config, 'DataStore')) {
        for (const k of ['connection_string', 'ro_connection_string']) {
          const cs = d[k];
          if (typeof cs === 'string' && (/password=(?!\$\{)[^\s]/.test(cs) || /:\/\/[^:/]+:(?!\$\{)[^@]+@/.test(cs))) {
            hits.push({ object: f.name, message: `${k} contains a literal password.` });
          }
        }
      }
      for (const [, d] of plugins(f.config, 'UpstreamAuthority')) {
        if (typeof d.token_auth?.token === 'string' || typeof d.approle_auth?.approle_secret_id === 'string') {
          hits.push({ object: f.name, message: 'the vault UpstreamAuthority contains a literal token or secret id.' });
        }
      }
    }
    return hits;
  },
};
