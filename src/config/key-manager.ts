import { invalidProp, requireAbsolutePath, requireString } from '../validation';
import { PluginDefinition } from './plugin';

/** Options of {@link KeyManager.disk}. */
export interface DiskKeyManagerOptions {
  /**
   * File the signing keys are kept in (on the server's persistent volume).
   * @default '/run/spire/data/keys.json'
   */
  readonly keysPath?: string;
}

/** Options of {@link KeyManager.awsKms}. */
export interface AwsKmsKeyManagerOptions {
  /** AWS region of the KMS keys. */
  readonly region: string;
  /**
   * A fixed identifier for this server's keys (`key_identifier_value`); shared by replicas of
   * one server only when they must share keys. Exactly one of this and `keyIdentifierFile`.
   * @default - none; `keyIdentifierFile` must be set
   */
  readonly keyIdentifierValue?: string;
  /**
   * File in which the server stores a generated key identifier (`key_identifier_file`).
   * @default - none; `keyIdentifierValue` must be set
   */
  readonly keyIdentifierFile?: string;
  /**
   * A key policy JSON file applied to created keys.
   * @default - the AWS default policy
   */
  readonly keyPolicyFile?: string;
}

/**
 * The server's KeyManager plugin: where the CA and JWT signing keys are kept.
 */
export class KeyManager {
  /** Keys on disk, persisted across restarts (use with a persistent volume). */
  public static disk(options: DiskKeyManagerOptions = {}): KeyManager {
    const keysPath = requireAbsolutePath(options.keysPath ?? '/run/spire/data/keys.json', 'disk.keysPath');
    return new KeyManager({ type: 'KeyManager', name: 'disk', data: { keys_path: keysPath } }, true);
  }

  /** Keys in memory only: lost on restart, so every restart rotates the CA. */
  public static memory(): KeyManager {
    return new KeyManager({ type: 'KeyManager', name: 'memory', data: {} }, false);
  }

  /**
   * Keys in AWS KMS. Credentials come from the environment (IRSA or `AWS_*` variables), never
   * from the config file.
   */
  public static awsKms(options: AwsKmsKeyManagerOptions): KeyManager {
    requireString(options.region, 'awsKms.region', 'Give the AWS region of the keys.');
    if ((options.keyIdentifierValue === undefined) === (options.keyIdentifierFile === undefined)) {
      throw invalidProp(
        'awsKms.keyIdentifierValue',
        options.keyIdentifierValue,
        "Set exactly one of 'keyIdentifierValue' and 'keyIdentifierFile'.",
      );
    }
    const v = options.keyIdentifierValue;
    if (v !== undefined && (!/^[A-Za-z0-9/_-]{1,256}$/.test(v) || v.startsWith('alias/aws/'))) {
      throw invalidProp('awsKms.keyIdentifierValue', v, "Use up to 256 of [A-Za-z0-9/_-], not starting with 'alias/aws/'.");
    }
    return new KeyManager(
      {
        type: 'KeyManager',
        name: 'aws_kms',
        data: {
          region: options.region,
          key_identifier_value: v,
          key_identifier_file: options.keyIdentifierFile,
          key_policy_file: options.keyPolicyFile,
        },
      },
      true,
    );
  }

  private constructor(
    /** The plugin definition for the server config. */
    public readonly plugin: PluginDefinition,
    /** True when keys survive a server restart. */
    public readonly persistent: boolean,
  ) {}
}
