/**
 * The content-encryption algorithm suites of the Amazon S3 Encryption Client that gluekit
 * knows, with the parameters the specification gives them
 * (aws-encryption-sdk-specification, framework/algorithm-suites.md, S3EC rows).
 */

export interface ContentSuite {
  /** Algorithm suite ID (framework/algorithm-suites.md). */
  readonly id: number;
  readonly name: string;
  /** How the suite is named in object metadata: `x-amz-cek-alg` (V1/V2) or `x-amz-c` (V3). */
  readonly metadataName: string;
  readonly cipher: 'aes-256-gcm' | 'aes-256-cbc';
  /** Length of the content IV: stored in `x-amz-iv`, or fixed for the committing suite. */
  readonly ivLength: number;
  /** GCM tag bytes appended to the ciphertext; 0 for CBC. */
  readonly tagLength: number;
  /** Whether the data key is bound to the object by a stored key commitment (suite 115). */
  readonly committing: boolean;
  /** Legacy suites are unauthenticated; the S3EC reads them only when told to. */
  readonly legacy: boolean;
}

/** V2 format, written by default: AES-256-GCM with a random 12-byte IV, no AAD. */
export const AES_256_GCM_IV12_TAG16_NO_KDF: ContentSuite = Object.freeze({
  id: 0x0072,
  name: 'ALG_AES_256_GCM_IV12_TAG16_NO_KDF',
  metadataName: 'AES/GCM/NoPadding',
  cipher: 'aes-256-gcm',
  ivLength: 12,
  tagLength: 16,
  committing: false,
  legacy: false,
});

/**
 * V3 format (S3EC v4's default): the content key is derived from the data key with
 * HKDF-SHA512 salted by a 28-byte message ID, and a 28-byte commitment to the data key
 * is stored beside it (s3-encryption/key-derivation.md).
 */
export const AES_256_GCM_HKDF_SHA512_COMMIT_KEY: ContentSuite = Object.freeze({
  id: 0x0073,
  name: 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY',
  metadataName: '115',
  cipher: 'aes-256-gcm',
  ivLength: 12,
  tagLength: 16,
  committing: true,
  legacy: false,
});

/** V1 and early V2 objects: AES-256-CBC with PKCS#5 padding. Unauthenticated, so legacy. */
export const AES_256_CBC_IV16_NO_KDF: ContentSuite = Object.freeze({
  id: 0x0070,
  name: 'ALG_AES_256_CBC_IV16_NO_KDF',
  metadataName: 'AES/CBC/PKCS5Padding',
  cipher: 'aes-256-cbc',
  ivLength: 16,
  tagLength: 0,
  committing: false,
  legacy: true,
});

/** Every suite's data key is 256 bits. */
export const DATA_KEY_LENGTH = 32;

/** Length of the message ID and of the key commitment of suite 115 (224 bits each). */
export const COMMITMENT_LENGTH = 28;

/**
 * The committing suite encrypts under a fresh derived key every time, so its GCM IV is
 * a constant: twelve 0x01 bytes (s3-encryption/key-derivation.md).
 */
export const COMMITTING_SUITE_IV: Uint8Array = new Uint8Array(12).fill(0x01);

/** GCM limits one message to 2^36 - 32 bytes of plaintext (NIST SP 800-38D). */
export const GCM_MAX_PLAINTEXT = 2 ** 36 - 32;
