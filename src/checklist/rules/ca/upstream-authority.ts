import { plugins, serverConfigs } from '../../inspect';
import { Level, Rule } from '../../rule';

export const upstreamAuthority: Rule = {
  id: 'SPIRE-CA1',
  level: Level.WARN,
  title: 'An upstream authority (Vault or another real CA) signs the SPIRE CA.',
  reason: 'A self-signed SPIRE root is an island: nothing outside SPIRE can chain to it, and rotating it means redistributing trust by hand.',
  fix: 'Use UpstreamAuthority.vault({...}) (or certManager).',
  neutralFix: 'Configure an UpstreamAuthority plugin in server.conf (vault, cert-manager, aws_pca, disk, …) so the signing CA chains to a root kept outside the cluster.',
  check: (objects) =>
    serverConfigs(objects)
      .filter((f) => plugins(f.config, 'UpstreamAuthority').length === 0)
      .map((f) => ({ object: f.name, message: 'no UpstreamAuthority: the SPIRE CA is self-signed.' })),
};
