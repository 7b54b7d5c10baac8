import { Construct } from 'constructs';
import { ServerDatabase, ServerDatabaseBinding, ServerDatabaseContext } from './server-database';
import { DataStore } from '../config/data-store';
import { NO_POD_NEEDS } from '../config/secret-mount';
import { invalidProp } from '../validation';

/** SQLite on the server's volume: one replica, development only. @internal */
export class SqliteDatabase extends ServerDatabase {
  public bind(_scope: Construct, context: ServerDatabaseContext): ServerDatabaseBinding {
    if (context.replicas > 1) {
      throw invalidProp(
        'replicas',
        context.replicas,
        'SQLite cannot be shared by several SPIRE servers; use replicas: 1 (development) or PostgresDatabase.cloudNativePg({...}).',
      );
    }
    return { dataStore: DataStore.sqlite(), podNeeds: NO_POD_NEEDS, egress: [] };
  }
}
