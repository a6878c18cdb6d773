/**
 * Where a local run reads objects and writes outputs. A fixtures directory mirrors S3
 * (`s3://bucket/prefix/file` is `<fixtures>/bucket/prefix/file`); an S3-compatible
 * endpoint is the other implementation. Readers never see which one they have.
 */
import type { ObjectSource } from '../formats/format.js';

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

export interface ObjectStore {
  /** How messages name an object (a file path or an s3:// URL). */
  describe(bucket: string, key: string): string;
  /**
   * The data objects of a location, sorted by key: the object itself when `prefix` names
   * one, otherwise every object below the folder. Like Hadoop, names starting with `_`
   * or `.` (`_SUCCESS`, `.crc` files) are skipped, and so are gluekit's sidecars
   * (`.metadata.json`, and `.instruction` files of client-side encryption).
   */
  list(bucket: string, prefix: string): Promise<ObjectInfo[]>;
  open(bucket: string, object: ObjectInfo): ObjectSource;
  /** The object's user metadata (`x-amz-meta-*` without the prefix), or undefined. */
  metadata(bucket: string, key: string): Promise<UserMetadata | undefined>;
  /** The bytes of an object `list` leaves out (a CSE instruction file), or undefined when absent. */
  sidecar(bucket: string, key: string): Promise<Uint8Array | undefined>;
}

/**
 * Outputs of one run, written aside and put in place all at once: a failed run leaves
 * every sink location as it was.
 */
export interface OutputStaging {
  /**
   * Writes one object into the staging area; returns its size in bytes. `metadata` is
   * the object's user metadata (names without `x-amz-meta-`, see checkUserMetadata),
   * committed with the object: beside it in `<file>.metadata.json` locally, as
   * PutObject's Metadata on S3. A CSE sink's envelope travels this way.
   */
  write(bucket: string, key: string, chunks: AsyncIterable<Uint8Array>, metadata?: UserMetadata): Promise<number>;
  /** Replaces each folder's previous content with what was staged for it. */
  commit(folders: readonly CommitFolder[]): Promise<void>;
  /** Drops everything staged. */
  abort(): Promise<void>;
  /** Where a committed object ends up, for reports. */
  describe(bucket: string, key: string): string;
}

/** Whether a key is data: no path segment is hidden, and it is not a sidecar file. */
export function isDataKey(key: string): boolean {
  if (key.endsWith('.metadata.json') || key.endsWith('.instruction')) return false;
  return key.split('/').every((segment) => segment === '' || !(segment.startsWith('_') || segment.startsWith('.')));
}

/** An object's user metadata: `x-amz-meta-*` headers, names without the prefix. */
export type UserMetadata = Readonly<Record<string, string>>;

/** S3's limit on user metadata: the UTF-8 bytes of every name and value together. */
export const USER_METADATA_LIMIT = 2048;

/**
 * Refuses user metadata that S3 would refuse or change, so that what a local run writes
 * is what an S3 upload would store: names are lower-case HTTP header tokens (S3 lower-
 * cases them) without the `x-amz-meta-` prefix (the SDK adds it), values printable
 * US-ASCII (S3 returns anything else RFC 2047-encoded), 2 KB in all. `object` names the
 * object in the message.
 */
/**
 * The metadata to attach to an object, checked; undefined when there is none (empty
 * metadata is no metadata, so no sidecar file and no S3 header for it).
 */
export function attachedMetadata(object: string, metadata: UserMetadata | undefined): UserMetadata | undefined {
  if (!metadata || Object.keys(metadata).length === 0) return undefined;
  checkUserMetadata(object, metadata);
  return metadata;
}

export function checkUserMetadata(object: string, metadata: UserMetadata): void {
  let size = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new Error(`${object}: metadata name ${JSON.stringify(name)} is not a lower-case HTTP header name`);
    if (name.startsWith('x-amz-meta-')) throw new Error(`${object}: metadata name ${name} must not carry the x-amz-meta- prefix (it is added when the object is stored)`);
    if (typeof value !== 'string' || !/^[\x20-\x7e]*$/.test(value)) throw new Error(`${object}: the value of metadata ${name} is not printable US-ASCII`);
    size += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (size > USER_METADATA_LIMIT) throw new Error(`${object}: ${size} bytes of user metadata, more than S3 allows (${USER_METADATA_LIMIT})`);
}

/** A sink folder to put in place, and how its objects are encrypted at rest. */
export interface CommitFolder {
  readonly bucket: string;
  readonly prefix: string;
  /** SSE-KMS for the folder's objects; stagings that do not encrypt at rest (a directory, memory) ignore it. */
  readonly serverSideEncryption?: ServerSideEncryption;
}

/** SSE-KMS as S3 takes it (ServerSideEncryption and SSEKMSKeyId). */
export interface ServerSideEncryption {
  readonly algorithm: 'aws:kms';
  /** Key id, key ARN or alias. */
  readonly kmsKeyId: string;
}
