/**
 * Real PostgreSQL (Debian's, run as the `postgres` user: it refuses root) with TLS, standing where
 * CloudNativePG's `<cluster>-rw` Service would: its server certificate carries the names
 * CloudNativePG puts in its own, from a CA that plays `<cluster>-ca`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BIN } from './components';
import { TestCa } from './pki';
import { Proc, run, start, tcpOpen, waitFor } from './proc';

export interface Postgres {
  readonly proc: Proc;
  readonly ca: TestCa;
  readonly socketDir: string;
  readonly listen: string;
  readonly port: number;
  /** Runs SQL as the superuser over the Unix socket. */
  sql(statement: string, db?: string): string;
}

/** CloudNativePG's server certificate names for cluster `name` in `namespace`. */
export function cnpgServerNames(name: string, namespace: string): string[] {
  return ['rw', 'r', 'ro'].flatMap((s) => [`${name}-${s}`, `${name}-${s}.${namespace}`, `${name}-${s}.${namespace}.svc`]);
}

export interface PostgresOptions {
  readonly listen: string;
  readonly port: number;
  readonly serverNames: string[];
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

export async function startPostgres(runDir: string, opts: PostgresOptions): Promise<Postgres> {
  const dir = path.join(runDir, 'postgres');
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'sock');
  fs.mkdirSync(socketDir, { recursive: true });
  const ca = new TestCa(path.join(runDir, 'pki', 'postgres'), 'postgres');
  const server = ca.issue('postgres-server', { cn: opts.serverNames[0], names: opts.serverNames, server: true });
  fs.copyFileSync(server.cert, path.join(dir, 'server.crt'));
  fs.copyFileSync(server.key, path.join(dir, 'server.key'));
  fs.chmodSync(path.join(dir, 'server.key'), 0o600);
  run('chown', ['-R', 'postgres:postgres', dir]);
  const asPg = (cmd: string, args: string[], input?: string) => run('runuser', ['-u', 'postgres', '--', cmd, ...args], { input, cwd: '/' });
  asPg(path.join(BIN.postgresBin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=reject', '-E', 'UTF8']);
  fs.writeFileSync(path.join(data, 'pg_hba.conf'), [
    'local all postgres trust',
    // TLS only, password (SCRAM) only, for the SPIRE user on its database.
    `hostssl ${opts.database} ${opts.user} 127.0.0.0/8 scram-sha-256`,
    'host all all 0.0.0.0/0 reject',
  ].join('\n') + '\n');
  const proc = start(path.join(runDir, 'logs'), 'postgres', path.join(BIN.postgresBin, 'postgres'), [
    '-D', data, '-c', `listen_addresses=${opts.listen}`, '-c', `port=${opts.port}`, '-c', `unix_socket_directories=${socketDir}`,
    '-c', 'ssl=on', '-c', `ssl_cert_file=${path.join(dir, 'server.crt')}`, '-c', `ssl_key_file=${path.join(dir, 'server.key')}`,
    '-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'password_encryption=scram-sha-256',
  ], { uid: uidOf('postgres'), gid: gidOf('postgres') });
  await waitFor('postgres to listen', 60_000, () => tcpOpen(opts.listen, opts.port), [proc]);
  const sql = (statement: string, db = 'postgres') =>
    asPg('psql', ['-h', socketDir, '-p', String(opts.port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-tA', '-c', statement]).stdout.trim();
  sql(`CREATE ROLE "${opts.user}" LOGIN PASSWORD '${opts.password.replace(/'/g, "''")}'`);
  sql(`CREATE DATABASE "${opts.database}" OWNER "${opts.user}"`);
  return { proc, ca, socketDir, listen: opts.listen, port: opts.port, sql };
}

function idOf(flag: string, user: string): number {
  return Number(run('id', [flag, user]).stdout.trim());
}
const uidOf = (u: string) => idOf('-u', u);
const gidOf = (u: string) => idOf('-g', u);
