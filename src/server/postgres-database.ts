import { CloudNativePgOptions } from './cloud-native-pg-database';
import { ExternalPostgresOptions } from './external-postgres-database';
import { ServerDatabase } from './server-database';

/**
 * HA PostgreSQL for the SPIRE server (the same variants as {@link ServerDatabase}'s factories,
 * under the name users look for).
 */
export class PostgresDatabase {
  /** {@inheritDoc ServerDatabase.cloudNativePg} */
  public static cloudNativePg(options: CloudNativePgOptions = {}): ServerDatabase {
    return ServerDatabase.cloudNativePg(options);
  }

  /** {@inheritDoc ServerDatabase.externalPostgres} */
  public static external(options: ExternalPostgresOptions): ServerDatabase {
    return ServerDatabase.externalPostgres(options);
  }

  private constructor() {}
}
