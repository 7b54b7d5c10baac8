import { Duration } from 'cdk8s';
import { invalidProp, NotShown, requirePort } from '../validation';
import { ConfigValue, EnvRef, Interpolated } from './json';
import { PluginDefinition } from './plugin';
import { renderGoDuration } from '../spiffe/duration';

/**
 * TLS modes of the Postgres driver SPIRE uses (lib/pq). Its default is `require`, which does
 * not verify the server certificate.
 */
export enum PostgresSslMode {
  /** No TLS. Only for a database on the same host. */
  DISABLE = 'disable',
  /** TLS without certificate verification (lib/pq's default). */
  REQUIRE = 'require',
  /** TLS, certificate signed by a trusted CA. */
  VERIFY_CA = 'verify-ca',
  /** TLS, certificate signed by a trusted CA and issued for the host name. */
  VERIFY_FULL = 'verify-full',
}

/**
 * The environment variable SPIRE's PostgreSQL driver (lib/pq) reads the password from by itself.
 * A password passed this way never appears in the config file, so no character can break it.
 */
export const PG_PASSWORD_ENV = 'PGPASSWORD';

/** Where a Postgres connection goes and how it authenticates. */
export interface PostgresConnectionOptions {
  /** Host name of the database server (e.g. the CloudNativePG `<cluster>-rw` Service). */
  readonly host: string;
  /**
   * TCP port.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Database name.
   * @default 'spire'
   */
  readonly database?: string;
  /**
   * Database user.
   * @default 'spire'
   */
  readonly user?: string;
  /**
   * Name of the environment variable that holds the password. The password is never written
   * into the config file. `PGPASSWORD` is read by the driver itself (any character works).
   * Any other name is expanded into the connection string (`password=${NAME}`, with
   * `-expandEnv`), where a space, quote or backslash in the password breaks it: use another
   * name only for a read-only replica whose password differs from the primary's.
   * @default 'PGPASSWORD' (a read-only replica: the primary's; no password when `clientCertPath` is set)
   */
  readonly passwordEnv?: string;
  /**
   * TLS mode.
   * @default PostgresSslMode.VERIFY_FULL
   */
  readonly sslMode?: PostgresSslMode;
  /**
   * Path of the CA certificate that signed the database server certificate (`sslrootcert`).
   * @default - the system roots
   */
  readonly rootCertPath?: string;
  /**
   * Path of a client certificate (`sslcert`), for certificate authentication.
   * @default - no client certificate
   */
  readonly clientCertPath?: string;
  /**
   * Path of the client certificate's key (`sslkey`).
   * @default - no client key
   */
  readonly clientKeyPath?: string;
}

/** Options of {@link DataStore.postgres}. */
export interface PostgresDataStoreOptions extends PostgresConnectionOptions {
  /**
   * A read-only replica connection (`ro_connection_string`), used for reads that tolerate lag.
   * Its password is the primary's (`PGPASSWORD`) unless it names another variable.
   * @default - no read-only connection
   */
  readonly readOnlyReplica?: PostgresConnectionOptions;
  /**
   * Maximum open connections per server.
   * @default 100 (SPIRE's default)
   */
  readonly maxOpenConns?: number;
  /**
   * Maximum idle connections per server.
   * @default 100 (SPIRE's default)
   */
  readonly maxIdleConns?: number;
  /**
   * Maximum lifetime of a connection.
   * @default - unlimited
   */
  readonly connMaxLifetime?: Duration;
  /**
   * Do not run schema migrations on start.
   * @default false
   */
  readonly disableMigration?: boolean;
}

/** Options of {@link DataStore.sqlite}. */
export interface SqliteDataStoreOptions {
  /**
   * Path of the database file.
   * @default '/run/spire/data/datastore.sqlite3'
   */
  readonly path?: string;
}

/**
 * The server's DataStore plugin (`sql`): where registration entries, attested nodes and
 * bundles live.
 *
 * @see https://spiffe.io/docs/latest/deploying/spire_server/ (DataStore "sql")
 */
export class DataStore {
  /**
   * A PostgreSQL database. The only choice for more than one server replica in this library.
   */
  public static postgres(options: PostgresDataStoreOptions): DataStore {
    const primaryEnv = passwordEnvOf(options, PG_PASSWORD_ENV, 'postgres.passwordEnv');
    const roEnv = options.readOnlyReplica ? passwordEnvOf(options.readOnlyReplica, primaryEnv ?? PG_PASSWORD_ENV, 'postgres.readOnlyReplica.passwordEnv') : undefined;
    const data: { [key: string]: ConfigValue | undefined } = {
      database_type: 'postgres',
      connection_string: postgresConnectionString(options, primaryEnv, 'postgres'),
      ro_connection_string: options.readOnlyReplica
        ? postgresConnectionString(options.readOnlyReplica, roEnv, 'postgres.readOnlyReplica')
        : undefined,
      max_open_conns: positiveInt(options.maxOpenConns, 'postgres.maxOpenConns'),
      max_idle_conns: nonNegativeInt(options.maxIdleConns, 'postgres.maxIdleConns'),
      conn_max_lifetime: options.connMaxLifetime ? renderGoDuration(options.connMaxLifetime) : undefined,
      disable_migration: options.disableMigration,
    };
    const env = [...new Set([primaryEnv, roEnv].filter((x): x is string => x !== undefined))];
    return new DataStore('postgres', data, true, env, options.sslMode ?? PostgresSslMode.VERIFY_FULL);
  }

  /**
   * A SQLite file on the server's volume. Development only: it cannot be shared, so it allows
   * exactly one server replica, and the production checklist flags it.
   */
  public static sqlite(options: SqliteDataStoreOptions = {}): DataStore {
    const path = options.path ?? '/run/spire/data/datastore.sqlite3';
    if (path.trim() === '') {
      throw invalidProp('sqlite.path', path, 'Give the path of the database file.');
    }
    return new DataStore('sqlite3', { database_type: 'sqlite3', connection_string: path }, false, [], undefined);
  }

  /** The plugin definition for the server config. */
  public readonly plugin: PluginDefinition;

  private constructor(
    /** The `database_type`: `postgres` or `sqlite3`. */
    public readonly databaseType: string,
    data: { [key: string]: ConfigValue | undefined },
    /** True when several servers can share this datastore. */
    public readonly supportsMultipleServers: boolean,
    /** Environment variables the connection strings read (passwords). */
    public readonly passwordEnvNames: string[],
    /** The TLS mode of the Postgres connection. */
    public readonly sslMode: PostgresSslMode | undefined,
  ) {
    this.plugin = { type: 'DataStore', name: 'sql', data };
  }
}

function passwordEnvOf(c: PostgresConnectionOptions, fallback: string, prop: string): string | undefined {
  if (c.passwordEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c.passwordEnv)) {
      // Not echoed: a value here that is no variable name may be the password itself.
      throw invalidProp(
        prop,
        new NotShown('a value that is not an environment variable name (not shown: it may be a password)'),
        `Give the name of the variable that holds the password (letters, digits, '_'), e.g. '${PG_PASSWORD_ENV}'.`,
      );
    }
    return c.passwordEnv;
  }
  return c.clientCertPath ? undefined : fallback;
}

/**
 * Builds a lib/pq key=value DSN. The password is never a literal: `PGPASSWORD` is read by the
 * driver, any other variable is an environment reference expanded by `-expandEnv`.
 */
function postgresConnectionString(c: PostgresConnectionOptions, passwordEnv: string | undefined, prop: string): Interpolated {
  if (typeof c.host !== 'string' || c.host.trim() === '') {
    throw invalidProp(`${prop}.host`, c.host, 'Give the host name of the database server.');
  }
  if (c.host.startsWith('/')) {
    throw invalidProp(`${prop}.host`, c.host, 'A unix socket disables TLS in lib/pq; give a TCP host name.');
  }
  const port = c.port ?? 5432;
  requirePort(port, `${prop}.port`);
  const sslMode = c.sslMode ?? PostgresSslMode.VERIFY_FULL;
  if (!Object.values(PostgresSslMode).includes(sslMode)) {
    throw invalidProp(`${prop}.sslMode`, sslMode, `Use one of ${Object.values(PostgresSslMode).join(', ')}.`);
  }
  if ((c.clientCertPath === undefined) !== (c.clientKeyPath === undefined)) {
    throw invalidProp(`${prop}.clientKeyPath`, c.clientKeyPath, "Set 'clientCertPath' and 'clientKeyPath' together.");
  }
  if (c.clientCertPath && sslMode === PostgresSslMode.DISABLE) {
    throw invalidProp(`${prop}.sslMode`, sslMode, 'A client certificate needs TLS; use verify-full.');
  }
  const pairs: Array<[string, string | EnvRef]> = [
    ['dbname', c.database ?? 'spire'],
    ['user', c.user ?? 'spire'],
    ['host', c.host],
    ['port', String(port)],
    ['sslmode', sslMode],
  ];
  if (c.rootCertPath) pairs.push(['sslrootcert', c.rootCertPath]);
  if (c.clientCertPath) pairs.push(['sslcert', c.clientCertPath]);
  if (c.clientKeyPath) pairs.push(['sslkey', c.clientKeyPath]);
  if (passwordEnv !== undefined && passwordEnv !== PG_PASSWORD_ENV) {
    pairs.push(['password', new EnvRef(passwordEnv)]);
  }
  const parts: Array<string | EnvRef> = [];
  pairs.forEach(([key, value], i) => {
    parts.push(`${i === 0 ? '' : ' '}${key}=`);
    parts.push(value instanceof EnvRef ? value : quoteDsnValue(value, `${prop}.${key}`));
  });
  return new Interpolated(parts);
}

/** Quotes a lib/pq DSN value when it needs it (spaces, quotes, backslashes, empty). */
function quoteDsnValue(value: string, prop: string): string {
  if (/[\u0000-\u001f]/.test(value)) {
    throw invalidProp(prop, value, 'Control characters are not allowed in a connection string.');
  }
  if (value !== '' && !/[\s'\\]/.test(value)) {
    return value;
  }
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function positiveInt(v: number | undefined, prop: string): number | undefined {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
    throw invalidProp(prop, v, 'Use a whole number of at least 1.');
  }
  return v;
}

function nonNegativeInt(v: number | undefined, prop: string): number | undefined {
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
    throw invalidProp(prop, v, 'Use a whole number of at least 0.');
  }
  return v;
}
