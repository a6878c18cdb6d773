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
  metadata(bucket: string, key: string): Promise<Readonly<Record<string, string>> | undefined>;
  /** The bytes of an object `list` leaves out (a CSE instruction file), or undefined when absent. */
  sidecar(bucket: string, key: string): Promise<Uint8Array | undefined>;
}

/**
 * Outputs of one run, written aside and put in place all at once: a failed run leaves
 * every sink location as it was.
 */
export interface OutputStaging {
  /** Writes one object into the staging area; returns its size in bytes. */
  write(bucket: string, key: string, chunks: AsyncIterable<Uint8Array>): Promise<number>;
  /** Replaces each folder's previous content with what was staged for it. */
  commit(folders: readonly { bucket: string; prefix: string }[]): Promise<void>;
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
