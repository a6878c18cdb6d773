/**
 * The ciphertext blobs the local keystore produces in place of AWS KMS's (whose format
 * is opaque to clients, so gluekit defines its own):
 *
 *   byte 0        0x47 ('G'): gluekit local blob, version 1. AWS KMS blobs begin 0x01,
 *                 so a production blob is recognised and named as such.
 *   byte 1        n, the length of the key id
 *   n bytes       the key id (ASCII)
 *   12 bytes      IV
 *   rest - 16     AES-256-GCM ciphertext of the data key
 *   16 bytes      GCM tag
 *
 * The AAD is the header (bytes 0..n+1) followed by the canonical encryption context, so
 * a blob decrypts only under the context it was made with, like KMS.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionContext } from './kms.js';

const VERSION = 0x47;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/** AWS KMS symmetric ciphertext blobs start with these bytes (base64 "AQICAH..."). */
const AWS_KMS_PREFIX = [0x01, 0x02, 0x02, 0x00];

/**
 * The context as text both sides agree on: entries sorted by key, printed as a JSON
 * object. Built by hand because a JS object would move integer-like keys ("10") first.
 */
export function canonicalContext(context: EncryptionContext): string {
  const entries = Object.entries(context);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new TypeError(`encryption context value of "${key}" is not a string`);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

function header(keyId: string): Buffer {
  const id = Buffer.from(keyId, 'ascii');
  if (id.length === 0 || id.length > 255 || id.toString('ascii') !== keyId) throw new TypeError('key id must be 1..255 ASCII characters');
  return Buffer.concat([Buffer.from([VERSION, id.length]), id]);
}

function aad(head: Uint8Array, context: EncryptionContext): Buffer {
  return Buffer.concat([head, Buffer.from(canonicalContext(context), 'utf8')]);
}

/** Wraps `plaintext` under `material` (the key `keyId`), bound to `context`. */
export function wrapDataKey(keyId: string, material: Uint8Array, plaintext: Uint8Array, context: EncryptionContext): Uint8Array {
  const head = header(keyId);
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', material, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad(head, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([head, iv, body, cipher.getAuthTag()]));
}

export type ParsedBlob =
  | { readonly ok: true; readonly keyId: string; readonly head: Uint8Array; readonly iv: Uint8Array; readonly body: Uint8Array; readonly tag: Uint8Array }
  | { readonly ok: false; readonly reason: string };

/** Splits a blob into its parts, or says why it is not a local blob. */
export function parseBlob(blob: Uint8Array): ParsedBlob {
  if (blob.length >= AWS_KMS_PREFIX.length && AWS_KMS_PREFIX.every((b, i) => blob[i] === b)) {
    return { ok: false, reason: 'the data key was wrapped by AWS KMS, not by the local keystore; encrypt the fixture with a keystore key, or decrypt with the AWS KMS provider' };
  }
  if (blob[0] !== VERSION) return { ok: false, reason: 'not a gluekit local-keystore ciphertext (unknown version byte)' };
  const idLength = blob[1] ?? 0;
  const headLength = 2 + idLength;
  if (idLength === 0 || blob.length < headLength + IV_LENGTH + 1 + TAG_LENGTH) return { ok: false, reason: 'ciphertext blob is truncated' };
  const keyId = Buffer.from(blob.subarray(2, headLength)).toString('ascii');
  return {
    ok: true,
    keyId,
    head: blob.subarray(0, headLength),
    iv: blob.subarray(headLength, headLength + IV_LENGTH),
    body: blob.subarray(headLength + IV_LENGTH, blob.length - TAG_LENGTH),
    tag: blob.subarray(blob.length - TAG_LENGTH),
  };
}

/**
 * Which key wrapped a blob, as far as its bytes tell, for reports: a local blob names its
 * key; AWS KMS's format is not documented, so its blobs are only recognised as such.
 */
export function blobOrigin(blob: Uint8Array): { readonly by: 'local keystore'; readonly keyId: string } | { readonly by: 'AWS KMS' } | { readonly by: 'unknown' } {
  const parsed = parseBlob(blob);
  if (parsed.ok) return { by: 'local keystore', keyId: parsed.keyId };
  if (blob.length >= AWS_KMS_PREFIX.length && AWS_KMS_PREFIX.every((b, i) => blob[i] === b)) return { by: 'AWS KMS' };
  return { by: 'unknown' };
}

/** Unwraps a parsed blob; undefined when it does not authenticate (wrong key or context, altered blob). */
export function unwrapDataKey(parsed: Extract<ParsedBlob, { ok: true }>, material: Uint8Array, context: EncryptionContext): Uint8Array | undefined {
  const decipher = createDecipheriv('aes-256-gcm', material, parsed.iv, { authTagLength: TAG_LENGTH });
  decipher.setAAD(aad(parsed.head, context));
  decipher.setAuthTag(parsed.tag);
  const plaintext = decipher.update(parsed.body);
  try {
    return new Uint8Array(Buffer.concat([plaintext, decipher.final()]));
  } catch {
    plaintext.fill(0);
    return undefined;
  }
}
