import { plugins, serverConfigs } from '../../inspect';
import { Level, Rule } from '../../rule';

export const postgresDatastore: Rule = {
  id: 'SPIRE-DS1',
  level: Level.ERROR,
  title: 'The server datastore is PostgreSQL (not SQLite).',
  reason: 'SQLite lives on one replica\'s disk: it cannot be shared, so the server cannot be HA and loses entries with its volume.',
  fix: 'Use PostgresDatabase.cloudNativePg() or PostgresDatabase.external({...}).',
  neutralFix: 'Set the DataStore sql plugin_data database_type to postgres (or mysql) with a connection_string to a replicated database, not sqlite3.',
  check: (objects) =>
    serverConfigs(objects).flatMap((f) =>
      plugins(f.config, 'DataStore')
        .filter(([, d]) => d.database_type !== 'postgres' && !(typeof d.database_type === 'object' && 'aws_postgres' in d.database_type))
        .map(([, d]) => ({ object: f.name, message: `DataStore database_type is ${JSON.stringify(d.database_type)}, not postgres.` })),
    ),
};
