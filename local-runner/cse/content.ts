/**
 * Content encryption and decryption. Decryption streams: the ciphertext passes through
 * the cipher chunk by chunk, one chunk behind the source so that the last 16 bytes (the
 * GCM tag, appended to the ciphertext) are never fed to it, and the tag is checked at
 * the end. Plaintext chunks go to `sink` before the tag is checked, so the sink must not
 * hand them out until this resolves (plaintext-spool.ts).
 */
import { createCipheriv, createDecipheriv, type CipherGCM, type Decipher, type DecipherGCM } from 'node:crypto';
import { CseError } from './errors.js';
import { GCM_MAX_PLAINTEXT, type ContentSuite } from './suites.js';

export interface ContentKey {
  readonly suite: ContentSuite;
  /** The AES-256 key: the data key, or for suite 115 the key derived from it. */
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  /** Additional authenticated data: none for V2, the suite ID for suite 115. */
  readonly aad?: Uint8Array;
}

function decipherFor(content: ContentKey): Decipher | DecipherGCM {
  const { suite, key, iv, aad } = content;
  if (suite.cipher === 'aes-256-gcm') {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: suite.tagLength });
    if (aad) decipher.setAAD(aad);
    return decipher;
  }
  return createDecipheriv('aes-256-cbc', key, iv);
}

/**
 * Decrypts `ciphertext` (the object body) into `sink`, which may return a promise to
 * slow the source down. Throws a CseError naming `object` when the body is too short,
 * the tag does not verify, or (legacy CBC) the padding is wrong.
 */
export async function decryptContent(
  object: string,
  ciphertext: AsyncIterable<Uint8Array>,
  content: ContentKey,
  sink: (plaintext: Uint8Array) => void | Promise<void>,
): Promise<void> {
  const tagLength = content.suite.tagLength;
  const decipher = decipherFor(content);
  // The chunk last received: its end may be the tag, so it is fed to the cipher only once
  // the next chunk shows it is not. Whole chunks are fed, so plaintext chunks match the
  // source's. A source may reuse a chunk's memory once two more chunks have been taken
  // (ciphertext-blocks.ts): no chunk is held back longer than until the next one arrives.
  let pending: Uint8Array | undefined;
  let total = 0;
  for await (const chunk of ciphertext) {
    if (chunk.length === 0) continue;
    total += chunk.length;
    if (tagLength === 0) await emit(decipher.update(chunk), sink);
    else if (pending === undefined) pending = chunk;
    else if (chunk.length >= tagLength) {
      await emit(decipher.update(pending), sink);
      pending = chunk;
    } else {
      // A chunk shorter than the tag: the tag may straddle it and the one before.
      const joined = Buffer.concat([pending, chunk]);
      const body = Math.max(0, joined.length - tagLength);
      if (body > 0) await emit(decipher.update(joined.subarray(0, body)), sink);
      pending = joined.subarray(body);
    }
  }
  if (total < tagLength) {
    throw new CseError(object, 'truncated', `the object is ${total} bytes, too short to hold the ${tagLength}-byte GCM tag (truncated?)`);
  }
  if (pending !== undefined) {
    if (pending.length > tagLength) await emit(decipher.update(pending.subarray(0, pending.length - tagLength)), sink);
    (decipher as DecipherGCM).setAuthTag(pending.subarray(pending.length - tagLength)); // GCM: decipherFor made a DecipherGCM
  }
  let last: Buffer;
  try {
    last = decipher.final();
  } catch {
    if (tagLength > 0) {
      throw new CseError(object, 'authentication', 'content authentication failed: the GCM tag does not match (the ciphertext or tag was altered, the object is truncated, or the data key is not the one it was encrypted with)');
    }
    throw new CseError(object, 'padding', `content decryption failed: bad ${content.suite.metadataName} padding (the object was altered or truncated, or the data key is wrong)`);
  }
  await emit(last, sink);
}

async function emit(plaintext: Buffer, sink: (plaintext: Uint8Array) => void | Promise<void>): Promise<void> {
  if (plaintext.length > 0) await sink(plaintext);
}

/** A GCM cipher for `content` (which it copies the key of: the caller may wipe its own). GCM suites only. */
export function gcmCipher(content: ContentKey): CipherGCM {
  const { suite, key, iv, aad } = content;
  if (suite.cipher !== 'aes-256-gcm' || suite.legacy) throw new Error(`gluekit does not encrypt with ${suite.name}`);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: suite.tagLength });
  if (aad) cipher.setAAD(aad);
  return cipher;
}

/** Encrypts a whole object: the ciphertext followed by the tag, as the S3EC stores it. GCM suites only. */
export function encryptContent(plaintext: Uint8Array, content: ContentKey): Uint8Array {
  const { suite } = content;
  const cipher = gcmCipher(content);
  if (plaintext.length > GCM_MAX_PLAINTEXT) throw new RangeError(`AES-GCM encrypts at most ${GCM_MAX_PLAINTEXT} bytes in one object`);
  const out = Buffer.allocUnsafe(plaintext.length + suite.tagLength);
  let at = cipher.update(plaintext).copy(out, 0);
  at += cipher.final().copy(out, at);
  cipher.getAuthTag().copy(out, at);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * Encrypts a stream with `cipher` (from gcmCipher) in parts: every part but the last is
 * exactly `partSize` bytes (a multiple of 16, the AES block), and the last holds the rest
 * of the ciphertext followed by the tag, as the S3EC lays out a multipart upload. The
 * plaintext is pulled only as parts are asked for and at most one part of it is buffered
 * (and zeroed at the end). When `expectedLength` is given, a stream of another length fails.
 */
export async function* encryptContentParts(
  plaintext: AsyncIterable<Uint8Array>,
  cipher: CipherGCM,
  tagLength: number,
  partSize: number,
  expectedLength?: number,
): AsyncGenerator<Uint8Array> {
  if (!Number.isSafeInteger(partSize) || partSize <= 0 || partSize % 16 !== 0) throw new RangeError(`partSize must be a positive multiple of 16 bytes, got ${partSize}`);
  const buffer = Buffer.allocUnsafe(partSize);
  let filled = 0;
  let total = 0;
  try {
    for await (const chunk of plaintext) {
      total += chunk.length;
      if (total > GCM_MAX_PLAINTEXT) throw new RangeError(`AES-GCM encrypts at most ${GCM_MAX_PLAINTEXT} bytes in one object`);
      if (expectedLength !== undefined && total > expectedLength) throw new Error(`the plaintext is longer than the ${expectedLength} bytes announced (it changed while being read?)`);
      for (let at = 0; at < chunk.length; ) {
        const n = Math.min(partSize - filled, chunk.length - at);
        buffer.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        // update() returns a new buffer, so the plaintext buffer can be refilled at once.
        if (filled === partSize) {
          filled = 0;
          yield cipher.update(buffer);
        }
      }
    }
    if (expectedLength !== undefined && total !== expectedLength) throw new Error(`the plaintext is ${total} bytes, not the ${expectedLength} announced (it changed while being read?)`);
    const rest = cipher.update(buffer.subarray(0, filled));
    const last = cipher.final();
    const tag = cipher.getAuthTag();
    if (tag.length !== tagLength) throw new Error(`the cipher produced a ${tag.length}-byte tag, not ${tagLength}`);
    yield Buffer.concat([rest, last, tag]);
  } finally {
    buffer.fill(0);
  }
}
