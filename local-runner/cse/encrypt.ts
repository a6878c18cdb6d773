/**
 * Encrypts an object the way the Amazon S3 Encryption Client does, for fixtures and
 * tests: V2 (AES-256-GCM, wrap kms+context) by default, or with `committing` the V3
 * format of suite 115. Returns the body to store and the user metadata (keys without
 * the `x-amz-meta-` prefix), plus the instruction file's bytes when one is asked for.
 * Legacy formats are never written.
 *
 * encryptStream does the same for a plaintext of any size without holding it: the
 * envelope is known before the first byte is read, and the ciphertext comes out in parts
 * whose sizes are multiples of 16 bytes, the GCM tag after the last (the S3 Encryption
 * Client's multipart layout), ready for a staged file or a lib-storage Upload.
 */
import { randomBytes } from 'node:crypto';
import { encryptContent, encryptContentParts, gcmCipher, type ContentKey } from './content.js';
import { CEK_ALG_CONTEXT_KEY, writeEnvelope, type Envelope } from './envelope.js';
import { COMMITTING_SUITE_AAD, derivedEncryptionKey, keyCommitment } from './key-derivation.js';
import type { KeyProvider } from './kms.js';
import { AES_256_GCM_HKDF_SHA512_COMMIT_KEY, AES_256_GCM_IV12_TAG16_NO_KDF, COMMITMENT_LENGTH, COMMITTING_SUITE_IV, DATA_KEY_LENGTH } from './suites.js';

export interface EncryptOptions {
  readonly keys: KeyProvider;
  /** The KMS key that wraps the data key: key id, key ARN, alias or alias ARN. */
  readonly keyId: string;
  /** Encryption context entries to bind the data key to (the S3EC adds aws:x-amz-cek-alg). */
  readonly context?: Readonly<Record<string, string>>;
  /** Put the envelope in an instruction file instead of the metadata (V3 keeps x-amz-c, -d, -i in the metadata). */
  readonly instructionFile?: boolean;
  /** Use the key-committing suite 115 (V3 format), S3EC v4's default. */
  readonly committing?: boolean;
}

export interface EncryptedObject {
  readonly body: Uint8Array;
  /** User metadata, keys without the x-amz-meta- prefix. */
  readonly metadata: Record<string, string>;
  /** The instruction file (`<key>.instruction`), when asked for. */
  readonly instruction?: Uint8Array;
}

export async function encryptObject(plaintext: Uint8Array, options: EncryptOptions): Promise<EncryptedObject> {
  const { envelope, content, wipe } = await prepare(options);
  try {
    const body = encryptContent(plaintext, content);
    return { body, ...envelopeOut(envelope, options, plaintext.length) };
  } finally {
    wipe();
  }
}

export interface EncryptStreamOptions extends EncryptOptions {
  /**
   * The plaintext's length, when known before it is read (a file's size): recorded as
   * x-amz-unencrypted-content-length (V2), and checked once the stream ends.
   */
  readonly plaintextLength?: number;
  /** Size of every ciphertext part but the last: a positive multiple of 16 bytes; default 1 MiB. */
  readonly partSize?: number;
}

export interface EncryptedStream {
  /** User metadata, keys without the x-amz-meta- prefix: known before the body is read. */
  readonly metadata: Record<string, string>;
  /** The instruction file (`<key>.instruction`), when asked for. */
  readonly instruction?: Uint8Array;
  /**
   * The object body, read once: parts of exactly `partSize` bytes, then a last part with
   * the rest of the ciphertext and the 16-byte GCM tag. Plaintext is read as parts are
   * asked for, so at most one part of it is held at a time.
   */
  readonly body: AsyncIterable<Uint8Array>;
}

export const DEFAULT_PART_SIZE = 1 << 20;

/**
 * Encrypts a stream as encryptObject encrypts bytes. The data key is wrapped (KMS
 * GenerateDataKey) before this resolves, and its plaintext is wiped at once: the cipher
 * holds its own copy. A failure of the plaintext stream, or a length other than
 * `plaintextLength`, fails the body's iteration: whoever writes the body must then
 * discard what it wrote.
 */
export async function encryptStream(plaintext: AsyncIterable<Uint8Array>, options: EncryptStreamOptions): Promise<EncryptedStream> {
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isSafeInteger(partSize) || partSize <= 0 || partSize % 16 !== 0) throw new RangeError(`partSize must be a positive multiple of 16 bytes, got ${partSize}`);
  const expected = options.plaintextLength;
  if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) throw new RangeError(`plaintextLength must be a byte count, got ${expected}`);
  const { envelope, content, wipe } = await prepare(options);
  let cipher: ReturnType<typeof gcmCipher>;
  try {
    cipher = gcmCipher(content);
  } finally {
    wipe();
  }
  return {
    ...envelopeOut(envelope, options, expected),
    body: encryptContentParts(plaintext, cipher, content.suite.tagLength, partSize, expected),
  };
}

function envelopeOut(envelope: Envelope, options: EncryptOptions, plaintextLength: number | undefined): { metadata: Record<string, string>; instruction?: Uint8Array } {
  const { metadata, instruction } = writeEnvelope(envelope, { instructionFile: options.instructionFile ?? false, ...(plaintextLength !== undefined && { plaintextLength }) });
  return { metadata, ...(instruction && { instruction: new TextEncoder().encode(`${JSON.stringify(instruction)}\n`) }) };
}

/** A fresh data key wrapped under `keyId`, the envelope to store, and the content key; `wipe` zeroes the key material. */
async function prepare(options: EncryptOptions): Promise<{ envelope: Envelope; content: ContentKey; wipe: () => void }> {
  const suite = options.committing ? AES_256_GCM_HKDF_SHA512_COMMIT_KEY : AES_256_GCM_IV12_TAG16_NO_KDF;
  const context: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.context ?? {})) {
    // KMS reserves the aws: prefix, and the S3EC records the content algorithm under aws:x-amz-cek-alg itself.
    if (key.startsWith('aws:')) throw new Error(`encryption context key "${key}": the aws: prefix is reserved`);
    if (typeof value !== 'string') throw new Error(`encryption context value of "${key}" must be a string`);
    context[key] = value;
  }
  context[CEK_ALG_CONTEXT_KEY] = suite.metadataName;
  Object.freeze(context);

  const dataKey = await options.keys.generateDataKey(options.keyId, context);
  const keys: Uint8Array[] = [dataKey.plaintext];
  const wipe = () => {
    for (const key of keys) key.fill(0);
  };
  try {
    if (dataKey.plaintext.length !== DATA_KEY_LENGTH) throw new Error(`the key provider returned a ${dataKey.plaintext.length}-byte data key; AES-256 needs ${DATA_KEY_LENGTH}`);
    const location = options.instructionFile ? 'instruction file' : 'metadata';
    if (suite.committing) {
      const messageId = nonZeroRandom(COMMITMENT_LENGTH);
      const key = derivedEncryptionKey(dataKey.plaintext, messageId);
      keys.push(key);
      return {
        content: { suite, key, iv: COMMITTING_SUITE_IV, aad: COMMITTING_SUITE_AAD },
        envelope: {
          format: 'V3',
          suite,
          wrap: 'kms+context',
          encryptedDataKey: dataKey.ciphertextBlob,
          iv: COMMITTING_SUITE_IV,
          messageId,
          keyCommitment: keyCommitment(dataKey.plaintext, messageId),
          context,
          location,
        },
        wipe,
      };
    }
    const iv = nonZeroRandom(suite.ivLength);
    return {
      content: { suite, key: dataKey.plaintext, iv },
      envelope: { format: 'V2', suite, wrap: 'kms+context', encryptedDataKey: dataKey.ciphertextBlob, iv, context, location },
      wipe,
    };
  } catch (e) {
    wipe();
    throw e;
  }
}

/**
 * Random bytes for an IV or message ID. An all-zero value is valid but far likelier to
 * mean an uninitialised buffer than chance, so the spec asks clients to reject it.
 */
function nonZeroRandom(length: number): Uint8Array {
  const bytes = new Uint8Array(randomBytes(length));
  if (bytes.every((b) => b === 0)) throw new Error('the random number generator returned all zeros');
  return bytes;
}
