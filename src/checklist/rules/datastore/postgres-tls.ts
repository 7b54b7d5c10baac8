import { plugins, serverConfigs } from '../../inspect';
import { Level, Rule } from '../../rule';

export const postgresTls: Rule = {
  id: 'SPIRE-DS2',
  level: Level.ERROR,
  title: 'The Postgres connection verifies the server certificate (sslmode=verify-full).',
  reason: "lib/pq's default sslmode is require: encrypted but unauthenticated, so anyone on the path can impersonate the database.",
  fix: 'Use sslmode=verify-full with sslrootcert (PostgresDatabase does).',
  neutralFix: 'Add sslmode=verify-full and sslrootcert=<the database CA file> to the DataStore sql connection_string.',
  check: (objects) =>
    serverConfigs(objects).flatMap((f) =>
      plugins(f.config, 'DataStore')
        .filter(([, d]) => d.database_type === 'postgres')
        .flatMap(([, d]) =>
          ['connection_string', 'ro_connection_string']
            .filter((k) => typeof d[k] === 'string' && !/(^|\s|[?&])sslmode=verify-full(\s|&|$)/.test(d[k]))
            .map((k) => ({ object: f.name, message: `${k} does not use sslmode=verify-full.` })),
        ),
    ),
};
