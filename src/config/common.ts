/** Log levels SPIRE accepts. */
export enum LogLevel {
  /** Debug. */
  DEBUG = 'DEBUG',
  /** Info. */
  INFO = 'INFO',
  /** Warnings. */
  WARN = 'WARN',
  /** Errors. */
  ERROR = 'ERROR',
}

/** Log formats SPIRE accepts. */
export enum LogFormat {
  /** logrus text. */
  TEXT = 'text',
  /** One JSON object per line. */
  JSON = 'json',
}

/** Key types for SPIRE's CA, JWT and workload keys. */
export enum KeyType {
  /** ECDSA P-256. */
  EC_P256 = 'ec-p256',
  /** ECDSA P-384. */
  EC_P384 = 'ec-p384',
  /** RSA 2048. */
  RSA_2048 = 'rsa-2048',
  /** RSA 4096. */
  RSA_4096 = 'rsa-4096',
}
