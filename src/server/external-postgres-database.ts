import { Construct } from 'constructs';
import { ServerDatabase, ServerDatabaseBinding } from './server-database';
import { DB_CA_DIR, DB_CLIENT_DIR } from './server-layout';
import { DataStore, PG_PASSWORD_ENV, PostgresSslMode } from '../config/data-store';
import { SecretKeyReference } from '../config/secret-mount';
import { inClusterNamespaceOf, NetworkDestination } from '../k8s/network-destination';
import { checkCidrs } from '../k8s/network-peers';
import { invalidProp } from '../validation';

/** Options of {@link ServerDatabase.externalPostgres}. */
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
   * @default - a host that is an in-cluster Service (`<svc>.<ns>.svc`) is selected by its namespace
   *   (and `podLabels`); any other host: '0.0.0.0/0' on the database port, which the checklist
   *   flags unless `cidrReason` says why
   */
  readonly cidr?: string;
  /**
   * Why `cidr` may be wide (e.g. "managed database behind a changing address"): shown in the
   * NetworkPolicy's annotation and the checklist report.
   * @default - none
   */
  readonly cidrReason?: string;
  /**
   * Pod labels of an in-cluster database, to narrow the egress rule to its pods.
   * @default - every pod of the database's namespace, on its port
   */
  readonly podLabels?: Record<string, string>;
}


/** An existing PostgreSQL. @internal */
export class ExternalPostgresDatabase extends ServerDatabase {
  private readonly binding: ServerDatabaseBinding;

  public constructor(options: ExternalPostgresOptions) {
    super();
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
    if (sslMode === PostgresSslMode.DISABLE || sslMode === PostgresSslMode.REQUIRE) {
      throw invalidProp(
        'external.sslMode',
        sslMode,
        `${sslMode === PostgresSslMode.DISABLE ? 'Without TLS' : 'With TLS but no certificate check'} anyone on the path reads SPIRE's datastore (entries, keys of the CA journal) or poses as the database: use PostgresSslMode.VERIFY_FULL (give 'caSecret' for a private CA) or VERIFY_CA.`,
      );
    }
    if (options.cidr !== undefined) checkCidrs([options.cidr], 'external.cidr');
    // In the cluster by namespace (CNIs such as Cilium apply CIDR rules only to traffic leaving
    // the cluster), outside it by CIDR.
    const namespace = options.cidr === undefined ? inClusterNamespaceOf(options.host) : undefined;
    const to = (port: number): NetworkDestination => namespace
      ? { port, namespace, podLabels: options.podLabels }
      : { port, cidr: options.cidr ?? '0.0.0.0/0', reason: options.cidrReason };
    this.binding = {
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
        to(options.port ?? 5432),
        ...(ro && (ro.port ?? 5432) !== (options.port ?? 5432) ? [to(ro.port ?? 5432)] : []),
      ],
    };
  }

  public bind(_scope: Construct): ServerDatabaseBinding {
    return this.binding;
  }
}
