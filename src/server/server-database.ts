import { Construct } from 'constructs';
import { DataStore } from '../config/data-store';
import { PodNeeds } from '../config/secret-mount';
import { NetworkDestination } from '../k8s/network-destination';

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
 * A database for the SPIRE server. Implement it to bring another datastore; the library's
 * variants are {@link ServerDatabase}'s factories.
 */
export interface IServerDatabase {
  /**
   * Creates what the database needs in `scope` and returns the server's DataStore.
   */
  bind(scope: Construct, context: ServerDatabaseContext): ServerDatabaseBinding;
}

/**
 * The SPIRE server's datastore. Each variant is a class of its own (`*-database.ts`) whose
 * `bind()` creates what it needs and returns the DataStore, Secrets and egress:
 * {@link ServerDatabase.cloudNativePg} and {@link ServerDatabase.externalPostgres} (HA), or
 * {@link ServerDatabase.sqlite} (one replica, development only).
 */
export abstract class ServerDatabase implements IServerDatabase {
  /**
   * A SQLite file on the server's persistent volume. One server replica only; the
   * production checklist flags it.
   */
  public static sqlite(): ServerDatabase {
    return new SqliteDatabase();
  }

  /**
   * Creates a CloudNativePG `Cluster` (`postgresql.cnpg.io/v1`) and wires SPIRE to it: host
   * `<name>-rw`, password from the generated `<name>-app` Secret as `PGPASSWORD`, and
   * `sslmode=verify-full` against the operator's `<name>-ca`.
   *
   * @see https://cloudnative-pg.io/documentation/current/
   */
  public static cloudNativePg(options: CloudNativePgOptions = {}): ServerDatabase {
    return new CloudNativePgDatabase(options);
  }

  /**
   * An existing PostgreSQL (managed service or operator of your choice). The password comes
   * from an existing Secret; it never appears in the config file.
   */
  public static externalPostgres(options: ExternalPostgresOptions): ServerDatabase {
    return new ExternalPostgresDatabase(options);
  }

  /** Creates what the database needs in `scope` and returns the server's DataStore. */
  public abstract bind(scope: Construct, context: ServerDatabaseContext): ServerDatabaseBinding;
}

// The variants extend ServerDatabase: imported after it is defined (aws-cdk's ContainerImage pattern).
/* eslint-disable import/order */
import { CloudNativePgDatabase, CloudNativePgOptions } from './cloud-native-pg-database';
import { ExternalPostgresDatabase, ExternalPostgresOptions } from './external-postgres-database';
import { SqliteDatabase } from './sqlite-database';
/* eslint-enable import/order */
