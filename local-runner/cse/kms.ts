/**
 * What client-side decryption needs from KMS, so the local keystore and AWS KMS
 * (aws-kms.ts) are interchangeable. The calls mirror KMS's Decrypt and GenerateDataKey;
 * errors carry KMS's exception names so both implementations fail alike.
 */

/** A KMS encryption context: authenticated, not secret (CloudTrail logs it). */
export type EncryptionContext = Readonly<Record<string, string>>;

export interface DataKey {
  /** The 256-bit data key. Callers zero it when done. */
  readonly plaintext: Uint8Array;
  /** The data key wrapped by the KMS key, bound to the encryption context. */
  readonly ciphertextBlob: Uint8Array;
}

export interface KeyDescription {
  readonly keyId: string;
  readonly arn?: string;
  readonly aliases: readonly string[];
  readonly enabled: boolean;
  /** ISO 8601. */
  readonly createdAt: string;
}

export interface KeyProvider {
  /**
   * KMS Decrypt: unwraps a data key. `encryptionContext` must be exactly the one it was
   * wrapped with. `keyId`, when given, is the key that must have wrapped it (KMS's
   * `KeyId` parameter): a blob from any other key fails with IncorrectKeyException.
   */
  decrypt(ciphertextBlob: Uint8Array, encryptionContext: EncryptionContext, keyId?: string): Promise<Uint8Array>;
  /** KMS GenerateDataKey with a 256-bit AES key spec. `keyId` is a key id, key ARN, alias or alias ARN. */
  generateDataKey(keyId: string, encryptionContext: EncryptionContext): Promise<DataKey>;
  /**
   * KMS Encrypt: wraps an existing data key under `keyId`, bound to `encryptionContext`;
   * returns the ciphertext blob. Only re-wrapping (key rotation, cse/rewrap.ts) needs it,
   * so a provider may leave it out.
   */
  encrypt?(keyId: string, plaintext: Uint8Array, encryptionContext: EncryptionContext): Promise<Uint8Array>;
  /** KMS DescribeKey. */
  describe?(keyId: string): Promise<KeyDescription>;
}

/**
 * The KMS exceptions the key providers raise. The local keystore raises the first four;
 * AWS KMS (aws-kms.ts) may also refuse a key in another state, of another kind, or that
 * IAM does not let the caller use.
 */
export type KmsErrorName =
  | 'NotFoundException'
  | 'DisabledException'
  | 'InvalidCiphertextException'
  | 'IncorrectKeyException'
  | 'KMSInvalidStateException'
  | 'InvalidKeyUsageException'
  | 'KeyUnavailableException'
  | 'AccessDeniedException';

/** A KMS failure, named like KMS names it (`kmsError`). Messages never hold key material. */
export class KmsError extends Error {
  constructor(
    readonly kmsError: KmsErrorName,
    readonly detail: string,
  ) {
    super(`${kmsError}: ${detail}`);
    this.name = 'KmsError';
  }
}
