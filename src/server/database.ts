import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { DataStore, PG_PASSWORD_ENV, PostgresSslMode } from '../config/data-store';
import { NO_POD_NEEDS, PodNeeds, SecretKeyReference } from '../config/secret-mount';
import { invalidProp } from '../errors';
import { Images } from '../images';

/** A destination the server must reach (for its NetworkPolicy egress). */
export interface NetworkDestination {
  /** TCP port. */
  readonly port: number;
  /**
   * Namespace of the destination pods.
   * @default - any namespace (with `cidr`)
   */
  readonly namespace?: string;
  /**
   * Labels of the destination pods.
   * @default - all pods of `namespace`
   */
  readonly podLabels?: Record<string, string>;
  /**
   * CIDR of the destination (outside the cluster).
   * @default - pods chosen by namespace and labels
   */
  readonly cidr?: string;
}

/** What a database contributes to the server: its DataStore, Secrets to mount, and egress. */
export interface ServerDatabaseBinding {
  /** The DataStore plugin. */
  readonly dataStore: DataStore;
  /** Secrets the server pod needs (password env vars, CA and client certificates). */
  readonly podNeeds: PodNeeds;
  /** Where the server connects to. */
  readonly egress: NetworkDestination[];
}

/** What a database is told when it is bound to a server. */
export interface ServerDatabaseContext {
  /** The server's namespace. */
  readonly namespace: string;
  /** The number of server replicas. */
  readonly replicas: number;
}

/**
 * A database for the SPIRE server: {@link PostgresDatabase.cloudNativePg},
 * {@link PostgresDatabase.external}, or (development only) {@link ServerDatabase.sqlite}.
 */
export interface IServerDatabase {
  /**
   * Creates what the database needs in `scope` and returns the server's DataStore.
   */
  bind(scope: Construct, context: ServerDatabaseContext): ServerDatabaseBinding;
}

/** SQLite: development only. */
export class ServerDatabase {
  /**
   * A SQLite file on the server's persistent volume. One server replica only; the
   * production checklist flags it.
   */
  public static sqlite(): IServerDatabase {
    return {
      bind: (_scope, context) => {
        if (context.replicas > 1) {
          throw invalidProp(
            'replicas',
            context.replicas,
            'SQLite cannot be shared by several SPIRE servers; use replicas: 1 (development) or PostgresDatabase.cloudNativePg({...}).',
          );
        }
        return { dataStore: DataStore.sqlite(), podNeeds: NO_POD_NEEDS, egress: [] };
      },
    };
  }
}

/** Options of {@link PostgresDatabase.cloudNativePg}. */
export interface CloudNativePgOptions {
  /**
   * Name of the CloudNativePG `Cluster` (its Services are `<name>-rw`, `<name>-ro`, its
   * Secrets `<name>-app`, `<name>-ca`).
   * @default 'spire-db'
   */
  readonly name?: string;
  /**
   * Namespace of the cluster.
   * @default - the server's namespace
   */
  readonly namespace?: string;
  /**
   * Number of PostgreSQL instances (one primary, the rest hot standbys).
   * @default 3
   */
  readonly instances?: number;
  /**
   * Size of each instance's volume.
   * @default '10Gi'
   */
  readonly storageSize?: string;
  /**
   * Storage class of the volumes.
   * @default - the cluster's default storage class
   */
  readonly storageClass?: string;
  /**
   * Database name.
   * @default 'spire'
   */
  readonly database?: string;
  /**
   * Owner (and SPIRE's login user).
   * @default 'spire'
   */
  readonly owner?: string;
  /**
   * PostgreSQL image.
   * @default Images.POSTGRES (pinned)
   */
  readonly imageName?: string;
  /**
   * Require instances on different nodes (`required`) or only prefer it.
   * @default true
   */
  readonly requireAntiAffinity?: boolean;
  /**
   * Send read-only queries to the standbys (`<name>-ro`) through `ro_connection_string`.
   * @default false
   */
  readonly readOnlyReplica?: boolean;
}

/** Options of {@link PostgresDatabase.external}. */
export interface ExternalPostgresOptions {
  /** Host name of the database server. */
  readonly host: string;
  /**
   * Port.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Database name.
   * @default 'spire'
   */
  readonly database?: string;
  /**
   * User.
   * @default 'spire'
   */
  readonly user?: string;
  /**
   * Secret key holding the password (injected as `PGPASSWORD`, which the driver reads itself).
   * @default - no password (requires `clientCertSecret`)
   */
  readonly passwordSecret?: SecretKeyReference;
  /**
   * TLS mode.
   * @default PostgresSslMode.VERIFY_FULL
   */
  readonly sslMode?: PostgresSslMode;
  /**
   * Secret key with the CA certificate of the database server (mounted as `sslrootcert`).
   * @default - the system roots
   */
  readonly caSecret?: SecretKeyReference;
  /**
   * A `kubernetes.io/tls` Secret with a client certificate for certificate authentication.
   * @default - no client certificate
   */
  readonly clientCertSecret?: string;
  /**
   * A read-only replica: its host, and optionally port and password Secret (the primary's by
   * default; a different one is expanded into `ro_connection_string` as `${RODBPW}`, so it must
   * not contain a space, quote or backslash).
   * @default - none
   */
  readonly readOnlyReplica?: { readonly host: string; readonly port?: number; readonly passwordSecret?: SecretKeyReference };
  /**
   * CIDR of the database, for the server's NetworkPolicy egress.
   * @default '0.0.0.0/0' (any address, on the database port only)
   */
  readonly cidr?: string;
}

const DB_CA_DIR = '/run/spire/db-ca';
const DB_CLIENT_DIR = '/run/spire/db-client';

/**
 * HA PostgreSQL for the SPIRE server.
 */
export class PostgresDatabase {
  /**
   * Creates a CloudNativePG `Cluster` (`postgresql.cnpg.io/v1`) and wires SPIRE to it: host
   * `<name>-rw`, password from the generated `<name>-app` Secret as `PGPASSWORD`, and
   * `sslmode=verify-full` against the operator's `<name>-ca`.
   *
   * @see https://cloudnative-pg.io/documentation/current/
   */
  public static cloudNativePg(options: CloudNativePgOptions = {}): IServerDatabase {
    const name = options.name ?? 'spire-db';
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 50) {
      throw invalidProp('cloudNativePg.name', name, 'Use a DNS label (lowercase letters, digits, "-"), at most 50 characters.');
    }
    const instances = options.instances ?? 3;
    if (!Number.isInteger(instances) || instances < 2) {
      throw invalidProp(
        'cloudNativePg.instances',
        instances,
        'Use a whole number of at least 2 (3 for HA): one instance makes the database the single point of failure of every SPIRE server. For a development cluster use ServerDatabase.sqlite().',
      );
    }
    const storageSize = options.storageSize ?? '10Gi';
    if (!/^[0-9]+(Mi|Gi|Ti)$/.test(storageSize)) {
      throw invalidProp('cloudNativePg.storageSize', storageSize, 'Use a size such as "10Gi".');
    }
    const database = options.database ?? 'spire';
    const owner = options.owner ?? 'spire';
    return {
      bind: (scope, context) => {
        const ns = options.namespace ?? context.namespace;
        new ApiObject(scope, 'Database', {
          apiVersion: 'postgresql.cnpg.io/v1',
          kind: 'Cluster',
          metadata: { name, namespace: ns },
          spec: {
            instances,
            imageName: options.imageName ?? Images.POSTGRES,
            storage: { size: storageSize, ...(options.storageClass ? { storageClass: options.storageClass } : {}) },
            bootstrap: { initdb: { database, owner } },
            affinity: {
              enablePodAntiAffinity: true,
              topologyKey: 'kubernetes.io/hostname',
              podAntiAffinityType: options.requireAntiAffinity === false ? 'preferred' : 'required',
            },
          },
        });
        const sameSecret = { name: `${name}-app`, key: 'password' };
        const dataStore = DataStore.postgres({
          host: `${name}-rw.${ns}.svc`,
          database,
          user: owner,
          passwordEnv: PG_PASSWORD_ENV,
          sslMode: PostgresSslMode.VERIFY_FULL,
          rootCertPath: `${DB_CA_DIR}/ca.crt`,
          readOnlyReplica: options.readOnlyReplica
            ? { host: `${name}-ro.${ns}.svc`, database, user: owner, rootCertPath: `${DB_CA_DIR}/ca.crt` }
            : undefined,
        });
        return {
          dataStore,
          podNeeds: {
            secretEnv: [{ env: PG_PASSWORD_ENV, secret: sameSecret }],
            secretFiles: [{ volume: 'db-ca', secretName: `${name}-ca`, mountPath: DB_CA_DIR, items: [{ key: 'ca.crt', path: 'ca.crt' }] }],
            projectedTokens: [],
          },
          egress: [{ port: 5432, namespace: ns, podLabels: { 'cnpg.io/cluster': name } }],
        };
      },
    };
  }

  /**
   * An existing PostgreSQL (managed service or operator of your choice). The password comes
   * from an existing Secret; it never appears in the config file.
   */
  public static external(options: ExternalPostgresOptions): IServerDatabase {
    if (!options.passwordSecret && !options.clientCertSecret) {
      throw invalidProp('external.passwordSecret', undefined, "Give 'passwordSecret' (a Secret key) or 'clientCertSecret' for certificate authentication.");
    }
    const sslMode = options.sslMode ?? PostgresSslMode.VERIFY_FULL;
    const common = {
      database: options.database,
      user: options.user,
      sslMode,
      rootCertPath: options.caSecret ? `${DB_CA_DIR}/ca.crt` : undefined,
      clientCertPath: options.clientCertSecret ? `${DB_CLIENT_DIR}/tls.crt` : undefined,
      clientKeyPath: options.clientCertSecret ? `${DB_CLIENT_DIR}/tls.key` : undefined,
    };
    const ro = options.readOnlyReplica;
    // The replica shares PGPASSWORD unless its Secret differs from the primary's.
    const roSecret = ro ? ro.passwordSecret ?? options.passwordSecret : undefined;
    const roOwnEnv = !!(roSecret && options.passwordSecret && (roSecret.name !== options.passwordSecret.name || roSecret.key !== options.passwordSecret.key));
    const roEnv = !roSecret ? undefined : roOwnEnv ? 'RODBPW' : PG_PASSWORD_ENV;
    // Validate eagerly: the factory throws on bad input, not at synth.
    const dataStore = DataStore.postgres({
      ...common,
      host: options.host,
      port: options.port,
      passwordEnv: options.passwordSecret ? PG_PASSWORD_ENV : undefined,
      readOnlyReplica: ro ? { ...common, host: ro.host, port: ro.port, passwordEnv: roEnv } : undefined,
    });
    const cidr = options.cidr ?? '0.0.0.0/0';
    return {
      bind: () => ({
        dataStore,
        podNeeds: {
          secretEnv: [
            ...(options.passwordSecret ? [{ env: PG_PASSWORD_ENV, secret: options.passwordSecret }] : []),
            ...(roSecret && (roOwnEnv || !options.passwordSecret) ? [{ env: roEnv!, secret: roSecret }] : []),
          ],
          secretFiles: [
            ...(options.caSecret
              ? [{ volume: 'db-ca', secretName: options.caSecret.name, mountPath: DB_CA_DIR, items: [{ key: options.caSecret.key, path: 'ca.crt' }] }]
              : []),
            ...(options.clientCertSecret
              ? [{
                volume: 'db-client-cert',
                secretName: options.clientCertSecret,
                mountPath: DB_CLIENT_DIR,
                items: [
                  { key: 'tls.crt', path: 'tls.crt' },
                  { key: 'tls.key', path: 'tls.key' },
                ],
              }]
              : []),
          ],
          projectedTokens: [],
        },
        egress: [
          { port: options.port ?? 5432, cidr },
          ...(ro && (ro.port ?? 5432) !== (options.port ?? 5432) ? [{ port: ro.port ?? 5432, cidr }] : []),
        ],
      }),
    };
  }
}
