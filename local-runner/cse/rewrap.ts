/**
 * Re-wraps the data key of a client-side encrypted object under another KMS key, without
 * touching the object's body: key rotation. The data key is unwrapped with the key that
 * wrapped it (KMS Decrypt, with exactly the stored encryption context), wrapped again
 * under the new key with that same context (KMS Encrypt), and only the wrapped key in the
 * envelope changes: every other envelope entry, and any other metadata, stays as it was,
 * so the body still decrypts with the same content key and IV.
 *
 * Only the V2 and V3 formats are re-wrapped; legacy envelopes are refused, since gluekit
 * never writes them (re-encrypt such an object instead).
 */
import { timingSafeEqual } from 'node:crypto';
import { KEY_V2, KEY_V3, legacyReasons, readEnvelope, type Envelope } from './envelope.js';
import { CseError } from './errors.js';
import { commitmentMatches } from './key-derivation.js';
import type { KeyProvider } from './kms.js';
import { DATA_KEY_LENGTH } from './suites.js';

export interface RewrapOptions {
  /** Must unwrap with the current key and wrap with the new one (KMS Decrypt and Encrypt). */
  readonly keys: KeyProvider;
  /** The KMS key to wrap the data key under from now on: key id, key ARN, alias or alias ARN. */
  readonly keyId: string;
  /** When given, the data key must currently be wrapped by this key (KMS Decrypt's KeyId). */
  readonly fromKeyId?: string;
}

export interface RewrappedEnvelope {
  readonly format: 'V2' | 'V3';
  /** Where the wrapped data key is, and so which of `metadata` and `instruction` changed. */
  readonly location: Envelope['location'];
  /** The object's user metadata after re-wrapping: changed only when `location` is 'metadata'. */
  readonly metadata: Record<string, string>;
  /** The new instruction file's bytes, when the wrapped key is in one. */
  readonly instruction?: Uint8Array;
}

/**
 * Re-wraps the data key of `object` (a name for messages) given its user `metadata` and
 * its instruction file (`instructionFile` returns the bytes of `<key>.instruction`, or
 * undefined). Returns the new metadata and instruction file; writing them is the caller's.
 * Failures are CseErrors naming the object; none carries key material.
 */
export async function rewrapEnvelope(
  object: string,
  metadata: Readonly<Record<string, string>> | undefined,
  instructionFile: () => Promise<Uint8Array | undefined>,
  options: RewrapOptions,
): Promise<RewrappedEnvelope> {
  let instruction: Uint8Array | undefined;
  const envelope = await readEnvelope(object, metadata, async () => (instruction = await instructionFile()));
  const legacy = legacyReasons(envelope);
  if (legacy.length > 0) {
    throw new CseError(object, 'legacy-refused', `encrypted in a legacy S3 Encryption Client format (${legacy.join('; ')}); gluekit re-wraps only V2 and V3 envelopes: decrypt and encrypt the object again instead`);
  }
  const keys = options.keys;
  if (!keys.encrypt) throw new CseError(object, 'data-key', 'the key provider cannot wrap an existing data key (KMS Encrypt), which re-wrapping needs');
  const format = envelope.format === 'V3' ? 'V3' : 'V2'; // V1 is legacy, refused above
  const field = format === 'V3' ? KEY_V3 : KEY_V2;

  let dataKey: Uint8Array;
  try {
    dataKey = await keys.decrypt(envelope.encryptedDataKey, envelope.context, options.fromKeyId);
  } catch (e) {
    throw new CseError(object, 'data-key', `cannot unwrap the data key (${field}): KMS Decrypt failed with ${(e as Error).message}`, { cause: e });
  }
  let rewrapped: Uint8Array;
  try {
    if (dataKey.length !== DATA_KEY_LENGTH) throw new CseError(object, 'data-key', `the unwrapped data key is ${dataKey.length} bytes; AES-256 needs ${DATA_KEY_LENGTH}`);
    // A V3 envelope commits to its data key: one that does not match would re-wrap a key the body was never encrypted with.
    if (format === 'V3' && !commitmentMatches(dataKey, envelope.messageId!, envelope.keyCommitment!)) {
      throw new CseError(object, 'key-commitment', 'the key commitment (x-amz-d) does not match the data key: the envelope was altered or belongs to another object');
    }
    try {
      rewrapped = await keys.encrypt(options.keyId, dataKey, envelope.context);
    } catch (e) {
      throw new CseError(object, 'data-key', `cannot wrap the data key under ${options.keyId}: KMS Encrypt failed with ${(e as Error).message}`, { cause: e });
    }
    // The old envelope is about to be replaced, and with it the only way to the body: make sure the new one opens.
    const check = await keys.decrypt(rewrapped, envelope.context, options.keyId).catch(() => undefined);
    const same = check !== undefined && check.length === dataKey.length && timingSafeEqual(check, dataKey);
    check?.fill(0);
    if (!same) throw new CseError(object, 'data-key', `the data key wrapped under ${options.keyId} does not unwrap to the same key; nothing was changed`);
  } finally {
    dataKey.fill(0);
  }

  const wrapped = Buffer.from(rewrapped).toString('base64');
  if (envelope.location === 'metadata') {
    return { format, location: envelope.location, metadata: replaceEntry({ ...metadata }, field, wrapped) };
  }
  // readEnvelope parsed and validated this file, so it is a JSON object holding `field`.
  const entries = JSON.parse(new TextDecoder().decode(instruction!)) as Record<string, unknown>;
  return {
    format,
    location: envelope.location,
    metadata: { ...metadata },
    instruction: new TextEncoder().encode(`${JSON.stringify(replaceEntry(entries, field, wrapped))}\n`),
  };
}

/** Sets `field` (matched ignoring case, as readEnvelope matches it) to `value`, keeping the entry's name and place. */
function replaceEntry<T extends Record<string, unknown>>(entries: T, field: string, value: string): T {
  const name = Object.keys(entries).find((k) => k.toLowerCase() === field) ?? field;
  (entries as Record<string, unknown>)[name] = value;
  return entries;
}
