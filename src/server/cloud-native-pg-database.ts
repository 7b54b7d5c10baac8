import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ServerDatabase, ServerDatabaseBinding, ServerDatabaseContext } from './server-database';
import { DB_CA_DIR } from './server-layout';
import { DataStore, PG_PASSWORD_ENV, PostgresSslMode } from '../config/data-store';
import { Images } from '../images';
import { checkDnsLabel, checkStorageSize, requireWholeNumber } from '../validation';

/** Options of {@link ServerDatabase.cloudNativePg}. */
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


/** A CloudNativePG cluster created beside the server. @internal */
export class CloudNativePgDatabase extends ServerDatabase {
  private readonly name: string;
  private readonly instances: number;
  private readonly storageSize: string;
  private readonly database: string;
  private readonly owner: string;

  public constructor(private readonly options: CloudNativePgOptions) {
    super();
    const name = options.name ?? 'spire-db';
    // At most 50: CloudNativePG derives longer names (`<name>-rw`, `<name>-1`, `<name>-app`) from it.
    checkDnsLabel(name, 'cloudNativePg.name', 50);
    const instances = options.instances ?? 3;
    requireWholeNumber(
      instances,
      'cloudNativePg.instances',
      2,
      '(3 for HA): one instance makes the database the single point of failure of every SPIRE server. For a development cluster use ServerDatabase.sqlite().',
    );
    const storageSize = options.storageSize ?? '10Gi';
    checkStorageSize(storageSize, 'cloudNativePg.storageSize', '10Gi');
    const database = options.database ?? 'spire';
    const owner = options.owner ?? 'spire';
    this.name = name;
    this.instances = instances;
    this.storageSize = storageSize;
    this.database = database;
    this.owner = owner;
  }

  public bind(scope: Construct, context: ServerDatabaseContext): ServerDatabaseBinding {
    const { name, database, owner } = this;
    const ns = this.options.namespace ?? context.namespace;
    new ApiObject(scope, 'Database', {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name, namespace: ns },
      spec: {
        instances: this.instances,
        imageName: this.options.imageName ?? Images.POSTGRES,
        storage: { size: this.storageSize, ...(this.options.storageClass ? { storageClass: this.options.storageClass } : {}) },
        bootstrap: { initdb: { database, owner } },
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: 'kubernetes.io/hostname',
          podAntiAffinityType: this.options.requireAntiAffinity === false ? 'preferred' : 'required',
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
      readOnlyReplica: this.options.readOnlyReplica
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
  }
}
