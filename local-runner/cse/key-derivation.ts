/**
 * Key derivation of the committing suite 115 (s3-encryption/key-derivation.md): HKDF
 * with SHA-512, the data key as input keying material and the 28-byte message ID as
 * salt; info is the suite ID as two big-endian bytes (00 73) followed by "DERIVEKEY"
 * for the 32-byte content key, or "COMMITKEY" for the 28-byte key commitment.
 */
import { hkdfSync, timingSafeEqual } from 'node:crypto';
import { AES_256_GCM_HKDF_SHA512_COMMIT_KEY, COMMITMENT_LENGTH, DATA_KEY_LENGTH } from './suites.js';

const SUITE_ID = Buffer.from([AES_256_GCM_HKDF_SHA512_COMMIT_KEY.id >> 8, AES_256_GCM_HKDF_SHA512_COMMIT_KEY.id & 0xff]);
const DERIVE_KEY_INFO = Buffer.concat([SUITE_ID, Buffer.from('DERIVEKEY', 'utf8')]);
const COMMIT_KEY_INFO = Buffer.concat([SUITE_ID, Buffer.from('COMMITKEY', 'utf8')]);

/** The content of suite 115 is authenticated with the suite ID as AAD. */
export const COMMITTING_SUITE_AAD: Uint8Array = new Uint8Array(SUITE_ID);

function checkInputs(dataKey: Uint8Array, messageId: Uint8Array): void {
  if (dataKey.length !== DATA_KEY_LENGTH) throw new RangeError(`the data key must be ${DATA_KEY_LENGTH} bytes`);
  if (messageId.length !== COMMITMENT_LENGTH) throw new RangeError(`the message ID must be ${COMMITMENT_LENGTH} bytes`);
}

/** The key commitment of `dataKey` for this message. */
export function keyCommitment(dataKey: Uint8Array, messageId: Uint8Array): Uint8Array {
  checkInputs(dataKey, messageId);
  return new Uint8Array(hkdfSync('sha512', dataKey, messageId, COMMIT_KEY_INFO, COMMITMENT_LENGTH));
}

/** The AES-256 key the content is encrypted with. */
export function derivedEncryptionKey(dataKey: Uint8Array, messageId: Uint8Array): Uint8Array {
  checkInputs(dataKey, messageId);
  return new Uint8Array(hkdfSync('sha512', dataKey, messageId, DERIVE_KEY_INFO, DATA_KEY_LENGTH));
}

/**
 * Whether `stored` is the commitment of `dataKey`, compared in constant time. The spec
 * requires this check before the content key is derived.
 */
export function commitmentMatches(dataKey: Uint8Array, messageId: Uint8Array, stored: Uint8Array): boolean {
  const derived = keyCommitment(dataKey, messageId);
  return stored.length === derived.length && timingSafeEqual(derived, stored);
}
