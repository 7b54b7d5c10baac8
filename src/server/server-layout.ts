/**
 * Ports and paths of the SPIRE server pod: one place, so that the config files, the containers,
 * the Services and the NetworkPolicy cannot disagree.
 *
 * @internal
 */
export const SERVER_PORTS = {
  /** The server API (agents, the controller manager over the admin socket aside). */
  grpc: 8081,
  /** Health checks (`/live`, `/ready`). */
  health: 8080,
  /** Prometheus metrics. */
  metrics: 9988,
  /** The federation bundle endpoint, unless the user chooses another port. */
  federationDefault: 8443,
} as const;

/** @internal */
export const CONFIG_DIR = '/run/spire/config';
/** @internal */
export const CONTROLLER_MANAGER_CONFIG_DIR = '/run/spire/controller-manager';
/** The admin socket's directory, shared by the server and the controller manager. @internal */
export const SOCKET_DIR = '/tmp/spire-server/private';
/** @internal */
export const ADMIN_SOCKET_PATH = `${SOCKET_DIR}/api.sock`;
/** The replica's persistent volume (keys, SQLite). @internal */
export const DATA_DIR = '/run/spire/data';
/** The database server's CA certificate. @internal */
export const DB_CA_DIR = '/run/spire/db-ca';
/** The database client certificate. @internal */
export const DB_CLIENT_DIR = '/run/spire/db-client';
