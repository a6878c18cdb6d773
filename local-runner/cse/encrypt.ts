/**
 * Encrypts an object the way the Amazon S3 Encryption Client does, for fixtures and
 * tests: V2 (AES-256-GCM, wrap kms+context) by default, or with `committing` the V3
 * format of suite 115. Returns the body to store and the user metadata (keys without
 * the `x-amz-meta-` prefix), plus the instruction file's bytes when one is asked for.
 * Legacy formats are never written.
 */
import { randomBytes } from 'node:crypto';
import { encryptContent, type ContentKey } from './content.js';
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
  try {
    if (dataKey.plaintext.length !== DATA_KEY_LENGTH) throw new Error(`the key provider returned a ${dataKey.plaintext.length}-byte data key; AES-256 needs ${DATA_KEY_LENGTH}`);
    let envelope: Envelope;
    let content: ContentKey;
    if (suite.committing) {
      const messageId = nonZeroRandom(COMMITMENT_LENGTH);
      const key = derivedEncryptionKey(dataKey.plaintext, messageId);
      keys.push(key);
      content = { suite, key, iv: COMMITTING_SUITE_IV, aad: COMMITTING_SUITE_AAD };
      envelope = {
        format: 'V3',
        suite,
        wrap: 'kms+context',
        encryptedDataKey: dataKey.ciphertextBlob,
        iv: COMMITTING_SUITE_IV,
        messageId,
        keyCommitment: keyCommitment(dataKey.plaintext, messageId),
        context,
        location: options.instructionFile ? 'instruction file' : 'metadata',
      };
    } else {
      const iv = nonZeroRandom(suite.ivLength);
      content = { suite, key: dataKey.plaintext, iv };
      envelope = { format: 'V2', suite, wrap: 'kms+context', encryptedDataKey: dataKey.ciphertextBlob, iv, context, location: options.instructionFile ? 'instruction file' : 'metadata' };
    }
    const body = encryptContent(plaintext, content);
    const { metadata, instruction } = writeEnvelope(envelope, { instructionFile: options.instructionFile ?? false, plaintextLength: plaintext.length });
    return { body, metadata, ...(instruction && { instruction: new TextEncoder().encode(`${JSON.stringify(instruction)}\n`) }) };
  } finally {
    for (const key of keys) key.fill(0);
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
