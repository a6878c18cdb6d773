/**
 * Turns a client-side encrypted object (Amazon S3 Encryption Client format, CSE-KMS)
 * into its plaintext as an ObjectSource, which format readers consume as if the object
 * had never been encrypted.
 *
 * Order of checks, cheapest and least revealing first: the envelope is parsed and
 * validated; legacy formats are refused unless allowed; the job's expected encryption
 * context is checked; only then is the data key unwrapped (KMS Decrypt with exactly the
 * stored context); for suite 115 the key commitment is verified before the content key
 * is derived; the content is decrypted and authenticated whole before anything is
 * handed out.
 */
import { tmpdir } from 'node:os';
import type { ObjectSource } from '../formats/format.js';
import { gatheredBlocks, rangeBlocks } from './ciphertext-blocks.js';
import { decryptContent, type ContentKey } from './content.js';
import { readEnvelope, legacyReasons, type Envelope } from './envelope.js';
import { CseError } from './errors.js';
import { commitmentMatches, COMMITTING_SUITE_AAD, derivedEncryptionKey } from './key-derivation.js';
import { KmsError, type EncryptionContext, type KeyProvider } from './kms.js';
import { openSpool, type DisposableSource } from './plaintext-spool.js';
import { DATA_KEY_LENGTH } from './suites.js';

export interface DecryptOptions {
  readonly keys: KeyProvider;
  /** Entries every object's encryption context must hold, with these values (the source's `context`). */
  readonly expectedContext?: EncryptionContext;
  /** When given, the data key must be wrapped by this KMS key (key id, key ARN or alias). */
  readonly keyId?: string;
  /** Read legacy formats (V1 metadata, AES-CBC content, wrap `kms`). Off by default: they are unauthenticated or unbound. */
  readonly allowLegacy?: boolean;
  /** The bytes of the object's instruction file (`<key>.instruction`), or undefined when it has none. */
  readonly instructionFile?: () => Promise<Uint8Array | undefined>;
  /** Objects larger than this are decrypted into a temporary file rather than memory; default 64 MiB. */
  readonly spillAbove?: number;
  /** Folder for those temporary files; default the OS's. */
  readonly tempDir?: string;
}

/** What was decrypted, for reports: no secrets. */
export interface EnvelopeSummary {
  readonly format: Envelope['format'];
  readonly algorithm: string;
  readonly wrap: Envelope['wrap'];
  readonly location: Envelope['location'];
  readonly context: EncryptionContext;
}

export interface DecryptedObject extends DisposableSource {
  readonly envelope: EnvelopeSummary;
}

export const DEFAULT_SPILL_ABOVE = 64 << 20;

/**
 * Decrypts `object` given its user `metadata` (keys without the `x-amz-meta-` prefix).
 * The result holds the plaintext in memory or in a temporary file: call dispose() once
 * the reader is done. Every failure is a CseError naming the object; none returns
 * plaintext.
 */
export async function decryptObject(
  object: ObjectSource,
  metadata: Readonly<Record<string, string>> | undefined,
  options: DecryptOptions,
): Promise<DecryptedObject> {
  const name = object.name;
  const envelope = await readEnvelope(name, metadata, options.instructionFile);

  const legacy = legacyReasons(envelope);
  if (legacy.length > 0 && !options.allowLegacy) {
    throw new CseError(
      name,
      'legacy-refused',
      `encrypted in a legacy S3 Encryption Client format (${legacy.join('; ')}), which gluekit does not read by default; ` +
        'to read it anyway, set allowLegacy (gluekit run --allow-legacy-cse)',
    );
  }
  checkExpectedContext(name, envelope, options.expectedContext ?? {});

  const dataKey = await unwrapDataKey(name, envelope, options);
  let content: ContentKey;
  try {
    content = contentKey(name, envelope, dataKey);
  } finally {
    dataKey.fill(0);
  }

  try {
    const tagLength = envelope.suite.tagLength;
    if (object.size < tagLength) {
      throw new CseError(name, 'truncated', `the object is ${object.size} bytes, too short to hold the ${tagLength}-byte GCM tag (truncated?)`);
    }
    const spool = await openSpool(name, object.size, {
      spillAbove: options.spillAbove ?? DEFAULT_SPILL_ABOVE,
      tempDir: options.tempDir ?? tmpdir(),
    });
    let source: DisposableSource;
    try {
      // A file is read straight into reused blocks; a stream (an S3 body) has its small
      // chunks gathered into them (ciphertext-blocks.ts).
      const reader = object.ranges ? await object.ranges() : undefined;
      try {
        const ciphertext = reader ? rangeBlocks(reader.read, object.size) : gatheredBlocks(object.stream());
        await decryptContent(name, ciphertext, content, (chunk) => spool.write(chunk));
      } finally {
        await reader?.close();
      }
      source = await spool.finish();
    } catch (e) {
      await spool.discard();
      throw e;
    }
    return Object.assign(source, { envelope: summary(envelope) });
  } finally {
    content.key.fill(0); // always a copy or a derived key: the data key itself is already zeroed
  }
}

/** Every expected entry must be in the stored context with the same value; extra stored entries are fine. */
function checkExpectedContext(name: string, envelope: Envelope, expected: EncryptionContext): void {
  const stored = envelope.context;
  const where = envelope.format === 'V3' ? 'x-amz-t' : 'x-amz-matdesc';
  for (const [key, value] of Object.entries(expected)) {
    if (!Object.prototype.hasOwnProperty.call(stored, key)) {
      throw new CseError(name, 'context-mismatch', `encryption context lacks "${key}", which the job expects to be ${JSON.stringify(value)} (context in ${where}: ${JSON.stringify(Object.keys(stored))})`);
    }
    if (stored[key] !== value) {
      throw new CseError(name, 'context-mismatch', `encryption context has "${key}" = ${JSON.stringify(stored[key])}, but the job expects ${JSON.stringify(value)}`);
    }
  }
}

async function unwrapDataKey(name: string, envelope: Envelope, options: DecryptOptions): Promise<Uint8Array> {
  const field = envelope.format === 'V3' ? 'x-amz-3' : envelope.format === 'V2' ? 'x-amz-key-v2' : 'x-amz-key';
  let dataKey: Uint8Array;
  try {
    dataKey = await options.keys.decrypt(envelope.encryptedDataKey, envelope.context, options.keyId);
  } catch (e) {
    if (e instanceof KmsError) {
      throw new CseError(name, 'data-key', `cannot unwrap the data key (${field}): KMS Decrypt failed with ${e.message}`, { cause: e });
    }
    throw new CseError(name, 'data-key', `cannot unwrap the data key (${field}): ${(e as Error).message}`, { cause: e });
  }
  if (dataKey.length !== DATA_KEY_LENGTH) {
    dataKey.fill(0);
    throw new CseError(name, 'data-key', `the unwrapped data key is ${dataKey.length} bytes; AES-256 needs ${DATA_KEY_LENGTH}`);
  }
  return dataKey;
}

/** The content key: the data key itself, or for suite 115 the derived key once the commitment checks out. */
function contentKey(name: string, envelope: Envelope, dataKey: Uint8Array): ContentKey {
  if (!envelope.suite.committing) return { suite: envelope.suite, key: new Uint8Array(dataKey), iv: envelope.iv };
  if (!commitmentMatches(dataKey, envelope.messageId!, envelope.keyCommitment!)) {
    throw new CseError(name, 'key-commitment', 'the key commitment (x-amz-d) does not match the data key: the envelope was altered or belongs to another object');
  }
  return { suite: envelope.suite, key: derivedEncryptionKey(dataKey, envelope.messageId!), iv: envelope.iv, aad: COMMITTING_SUITE_AAD };
}

function summary(envelope: Envelope): EnvelopeSummary {
  return Object.freeze({
    format: envelope.format,
    algorithm: envelope.suite.name,
    wrap: envelope.wrap,
    location: envelope.location,
    context: envelope.context,
  });
}
