import { Chart, Testing } from 'cdk8s';
import { PostgresDatabase, ServerDatabase, SpireServer, SpireStack, TrustDomain, ValidationError } from '../src';

const td = TrustDomain.of('prod.example.com');

function chart(): Chart {
  return new Chart(Testing.app(), 'test');
}

describe('ValidationError', () => {
  test('an invalid prop names the prop, the value, what is allowed and the construct path', () => {
    let error: unknown;
    try {
      new SpireServer(chart(), 'server', { trustDomain: td, clusterName: 'prod', database: ServerDatabase.cloudNativePg(), replicas: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).constructPath).toBe('test/server');
    expect((error as Error).message).toBe("Invalid 'replicas': received 0. Use a whole number of at least 1 (3 or more for HA). [at test/server]");
  });

  test('an error raised in a nested construct keeps the nested path', () => {
    expect(() => new SpireStack(chart(), 'stack', {
      trustDomain: td,
      clusterName: 'prod',
      database: ServerDatabase.cloudNativePg(),
      server: { storageSize: '1GB' },
    })).toThrow("Invalid 'storageSize': received \"1GB\". Use a size such as \"1Gi\". [at test/stack/Server]");
  });

  test('a factory error has no construct yet: the message is the same without a path', () => {
    let error: unknown;
    try {
      ServerDatabase.cloudNativePg({ instances: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).constructPath).toBeUndefined();
  });
});

describe('ServerDatabase variants', () => {
  test('PostgresDatabase factories are the ServerDatabase variants', () => {
    expect(PostgresDatabase.cloudNativePg()).toBeInstanceOf(ServerDatabase);
    expect(PostgresDatabase.external({ host: 'db.example.com', clientCertSecret: 'db-client' })).toBeInstanceOf(ServerDatabase);
    expect(ServerDatabase.sqlite()).toBeInstanceOf(ServerDatabase);
  });

  test('a datastore of the user\'s own (IServerDatabase) is bound like the library\'s', () => {
    const c = chart();
    const sqlite = ServerDatabase.sqlite();
    const calls: string[] = [];
    const server = new SpireServer(c, 'server', {
      trustDomain: td,
      clusterName: 'prod',
      replicas: 1,
      database: { bind: (scope, context) => { calls.push(`${scope.node.path} ${context.namespace} ${context.replicas}`); return sqlite.bind(scope, context); } },
    });
    expect(calls).toEqual(['test/server spire-server 1']);
    expect(server.config.toJson()).toContain('"database_type": "sqlite3"');
  });
});
