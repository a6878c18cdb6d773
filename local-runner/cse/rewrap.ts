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
 *
 * Writing the new envelope back is conditional on the envelope still being the one that
 * was re-wrapped, so that a concurrent change (another rotation, the object re-encrypted)
 * fails loudly instead of being silently overwritten: see writeRewrappedToS3 and
 * writeRewrappedToFiles.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { metadataFileText, readMetadataFile } from '../stores/fixtures.js';
import { checkUserMetadata, type UserMetadata } from '../stores/store.js';
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

/** The envelope as it was read before re-wrapping: what the write-back checks is still there. */
export interface ObservedEnvelope {
  /** The object's user metadata (S3) or its `<in>.metadata.json` (local), undefined when it had none. */
  readonly metadata: UserMetadata | undefined;
  /** The bytes of its instruction file, undefined when it had none. */
  readonly instruction: Uint8Array | undefined;
}

/** An S3 object whose envelope is written back. */
export interface S3EnvelopeTarget {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** How messages name the object: its s3:// URL. */
  readonly url: string;
}

export interface S3RewriteOptions {
  /**
   * Objects larger than this many bytes get their new metadata through a multipart copy
   * onto themselves; smaller ones through one CopyObject, which S3 limits to 5 GB.
   * Internal: tests lower it to exercise the multipart path on a small object.
   */
  readonly multipartCopyAbove?: number;
  /** Bytes per UploadPartCopy; by default 512 MiB, or more when the object needs over 10,000 parts. */
  readonly copyPartSize?: number;
}

/** S3's limit for one CopyObject (5 GB); above it, only a multipart copy can replace an object's metadata. */
export const SINGLE_COPY_LIMIT = 5 * 1000 ** 3;
const DEFAULT_COPY_PART = 512 << 20;
/** S3's limits on a multipart upload's parts. */
const MAX_PARTS = 10_000;
const MIN_PART = 5 << 20;
const MAX_PART = 5 * 1024 ** 3;
/** UploadPartCopy requests in flight: each is a server-side copy, so a few keep S3 busy without many connections. */
const PART_COPIES_IN_FLIGHT = 4;

/**
 * Writes a re-wrapped envelope back to S3, leaving the body's bytes alone, and only if the
 * envelope is still the one in `observed`; returns what was rewritten, for messages.
 *
 * - Instruction file: `<key>.instruction` is read again with its ETag, compared with the
 *   bytes that were re-wrapped, and replaced by a PutObject conditional on that ETag
 *   (If-Match), keeping its content type, user metadata and server-side encryption.
 * - Metadata: the object is copied onto itself with the new metadata (MetadataDirective
 *   REPLACE), conditional on the ETag of the version whose metadata was checked: the
 *   copy's source must be that version (x-amz-copy-source-if-match) and so must the
 *   object it replaces (If-Match). Objects above `multipartCopyAbove` (by default S3's
 *   5 GB limit for CopyObject) are copied in parts (UploadPartCopy, each part conditional
 *   on the same ETag), completed with If-Match, and the upload aborted on any failure.
 *
 * S3 answers a failed condition with 412 PreconditionFailed; that, and any other failure,
 * is an Error naming the object, and nothing was written. Endpoints that ignore If-Match
 * on the replacing write (moto does for CopyObject and CompleteMultipartUpload) leave a
 * window from the copy's read of the source to its write, of one request's duration.
 */
export async function writeRewrappedToS3(
  target: S3EnvelopeTarget,
  observed: ObservedEnvelope,
  rewrapped: RewrappedEnvelope,
  options: S3RewriteOptions = {},
): Promise<string> {
  if (rewrapped.location !== 'metadata') return putInstruction(target, observed, rewrapped.instruction!);
  const { client, bucket, key, url } = target;
  const head = await s3Request(url, 'HeadObject', () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  if (!sameMetadata(head.Metadata ?? {}, observed.metadata ?? {}) || !head.ETag) {
    throw new Error(`${url}: its metadata changed while its data key was being rewrapped; nothing was written (run rewrap again)`);
  }
  checkUserMetadata(url, rewrapped.metadata);
  const size = head.ContentLength ?? 0;
  if (size > (options.multipartCopyAbove ?? SINGLE_COPY_LIMIT)) {
    await multipartCopyOntoItself(target, head, head.ETag, size, rewrapped.metadata, options.copyPartSize);
  } else {
    await s3Request(url, 'CopyObject (replacing the metadata)', () =>
      client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: copySource(bucket, key),
          CopySourceIfMatch: head.ETag,
          IfMatch: head.ETag,
          MetadataDirective: 'REPLACE',
          Metadata: { ...rewrapped.metadata },
          ...keptHeaders(head),
        }),
      ),
    );
  }
  return `the metadata of ${url}`;
}

async function putInstruction(target: S3EnvelopeTarget, observed: ObservedEnvelope, instruction: Uint8Array): Promise<string> {
  const { client, bucket, url } = target;
  const key = `${target.key}.instruction`;
  const at = `${url}.instruction`;
  const current = await s3Request(at, 'GetObject', () => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
  const bytes = await current.Body!.transformToByteArray();
  if (!observed.instruction || !current.ETag || !Buffer.from(bytes).equals(observed.instruction)) {
    throw new Error(`${at}: it changed while the data key was being rewrapped; nothing was written (run rewrap again)`);
  }
  await s3Request(at, 'PutObject (conditional on its ETag)', () =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: instruction,
        IfMatch: current.ETag,
        ...(current.Metadata && { Metadata: current.Metadata }), // the Java S3EC marks its instruction files (x-amz-crypto-instr-file)
        ...(current.ContentType && { ContentType: current.ContentType }),
        ...(current.ServerSideEncryption && { ServerSideEncryption: current.ServerSideEncryption }),
        ...(current.SSEKMSKeyId && { SSEKMSKeyId: current.SSEKMSKeyId }),
      }),
    ),
  );
  return at;
}

/**
 * Replaces the object with a copy of itself carrying `metadata`, in parts: CreateMultipartUpload
 * with the new metadata and the object's headers, UploadPartCopy for each byte range of the
 * version `etag`, CompleteMultipartUpload conditional on the object still being that version.
 */
async function multipartCopyOntoItself(
  target: S3EnvelopeTarget,
  head: HeadObjectCommandOutput,
  etag: string,
  size: number,
  metadata: Record<string, string>,
  requestedPartSize: number | undefined,
): Promise<void> {
  const { client, bucket, key, url } = target;
  const partSize = copyPartSize(size, requestedPartSize);
  const created = await s3Request(url, 'CreateMultipartUpload (for a multipart copy replacing the metadata)', () =>
    client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Metadata: { ...metadata }, ...keptHeaders(head) })),
  );
  const uploadId = created.UploadId!;
  try {
    const count = Math.max(1, Math.ceil(size / partSize));
    const parts: CompletedPart[] = new Array(count);
    let next = 0;
    const copyParts = async () => {
      for (let i = next++; i < count; i = next++) {
        const start = i * partSize;
        const end = Math.min(size, start + partSize) - 1;
        const copied = await s3Request(url, `UploadPartCopy (part ${i + 1} of ${count}, bytes ${start}-${end})`, () =>
          client.send(
            new UploadPartCopyCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: i + 1,
              CopySource: copySource(bucket, key),
              CopySourceIfMatch: etag,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          ),
        );
        parts[i] = { PartNumber: i + 1, ETag: copied.CopyPartResult?.ETag };
      }
    };
    await Promise.all(Array.from({ length: Math.min(PART_COPIES_IN_FLIGHT, count) }, copyParts));
    await s3Request(url, 'CompleteMultipartUpload (of the copy replacing the metadata)', () =>
      client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, IfMatch: etag, MultipartUpload: { Parts: parts } })),
    );
  } catch (e) {
    // The parts are invisible until completed, but stored (and billed) until aborted.
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw e;
  }
}

function copyPartSize(size: number, requested: number | undefined): number {
  if (requested !== undefined) {
    if (!Number.isSafeInteger(requested) || requested < MIN_PART || requested > MAX_PART) throw new RangeError(`copyPartSize must be between ${MIN_PART} and ${MAX_PART} bytes, got ${requested}`);
    if (Math.ceil(size / requested) > MAX_PARTS) throw new RangeError(`copyPartSize ${requested} would need more than ${MAX_PARTS} parts for ${size} bytes`);
    return requested;
  }
  return Math.max(DEFAULT_COPY_PART, Math.ceil(size / MAX_PARTS / MIN_PART) * MIN_PART);
}

/** CopySource names the object URL-encoded, each path segment on its own. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** What MetadataDirective REPLACE (and a new multipart upload) would otherwise drop: content headers, encryption at rest, storage class. */
function keptHeaders(head: HeadObjectCommandOutput) {
  return {
    ...(head.ContentType && { ContentType: head.ContentType }),
    ...(head.ContentEncoding && { ContentEncoding: head.ContentEncoding }),
    ...(head.ContentLanguage && { ContentLanguage: head.ContentLanguage }),
    ...(head.ContentDisposition && { ContentDisposition: head.ContentDisposition }),
    ...(head.CacheControl && { CacheControl: head.CacheControl }),
    ...(head.Expires && { Expires: head.Expires }),
    ...(head.ServerSideEncryption && { ServerSideEncryption: head.ServerSideEncryption }),
    ...(head.SSEKMSKeyId && { SSEKMSKeyId: head.SSEKMSKeyId }),
    ...(head.StorageClass && { StorageClass: head.StorageClass }),
  };
}

function sameMetadata(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

/** Runs one S3 request; a failure names the object and the request, and a failed condition says what it means. */
async function s3Request<T>(target: string, action: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (e) {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = err.$metadata?.httpStatusCode;
    if (status === 412 || err.name === 'PreconditionFailed') {
      throw new Error(`${target}: it changed while its data key was being rewrapped (${action}: PreconditionFailed); nothing was written (run rewrap again)`, { cause: e });
    }
    const words = err.message && err.message !== err.name && err.message !== 'UnknownError' ? `: ${err.message}` : '';
    throw new Error(`${target}: ${action} failed: ${err.name ?? 'Error'}${words}${status ? ` (HTTP ${status})` : ''}`, { cause: e });
  }
}

/**
 * Writes a re-wrapped envelope back beside a local fixture `input`: `<input>.metadata.json`
 * or `<input>.instruction`, whichever holds the wrapped key, keeping its mode. Compare and
 * rename: the new content goes to a temporary file beside it, the current file is read
 * again and compared with `observed`, and only if it is unchanged is the temporary file
 * renamed over it (atomic: readers see the old envelope or the new one, never a mix). A
 * file system offers no compare-and-swap across processes, so a change landing between
 * that last comparison and the rename (microseconds) is not detected. Returns the path
 * rewritten; a changed envelope is an Error naming the file, and nothing was written.
 */
export async function writeRewrappedToFiles(input: string, observed: ObservedEnvelope, rewrapped: RewrappedEnvelope): Promise<string> {
  const metadataFile = rewrapped.location === 'metadata';
  const path = metadataFile ? `${input}.metadata.json` : `${input}.instruction`;
  const unchanged = async (): Promise<boolean> => {
    if (metadataFile) {
      const now = await readMetadataFile(path, path);
      return now !== undefined && observed.metadata !== undefined && sameMetadata(now, observed.metadata);
    }
    const now = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    return now !== undefined && observed.instruction !== undefined && now.equals(observed.instruction);
  };
  const changed = () => new Error(`${path}: it changed while the data key was being rewrapped; nothing was written (run rewrap again)`);
  if (!(await unchanged())) throw changed();
  const mode = (await stat(path)).mode & 0o777;
  const aside = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const file = await open(aside, 'wx', mode);
    try {
      await file.chmod(mode); // open's mode passes through the umask; the aim is exactly the old file's
      await file.writeFile(metadataFile ? metadataFileText(rewrapped.metadata) : rewrapped.instruction!);
    } finally {
      await file.close();
    }
    if (!(await unchanged())) throw changed();
    await rename(aside, path);
  } catch (e) {
    await rm(aside, { force: true });
    throw e;
  }
  return path;
}
