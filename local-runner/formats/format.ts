/**
 * What the runner gives a format reader or writer, and what it expects back.
 *
 * Readers turn one object (a fixture file, an S3 object, or later a decrypted CSE
 * object) into Arrow record batches holding exactly the requested columns in their
 * canonical Arrow layout (catalog/arrow.ts): the rest of the runner never sees a file's
 * own layout. Writers turn batches into the bytes of one output file.
 */
import type { RecordBatch } from 'apache-arrow';
import type { Schema } from '../../catalog/schema.js';

/** One object to read. Readers pick the access they need; none may assume more. */
export interface ObjectSource {
  /** How messages name the object: a fixture path or an s3:// URL. */
  readonly name: string;
  readonly size: number;
  /** The whole object in memory (fine for small objects and formats that need it). */
  bytes(): Promise<Uint8Array>;
  /** Random access without reading everything (Parquet reads the footer, then row groups). */
  blob(): Promise<Blob>;
  /**
   * Random access that is cheaper than `blob()`, where the source has it: a fixture file
   * is opened once and read with positional reads (Node's file-backed Blob reads in 64 KiB
   * pieces through the event loop, about five times the CPU time). Readers use
   * `openRanges()`, which falls back to the Blob.
   */
  ranges?(): Promise<RangeReader>;
  /** The object as sequential chunks (CSV and JSON Lines stream). */
  stream(): AsyncIterable<Uint8Array>;
}

/**
 * Reads bytes [from, to) of an object, into `into` when given and the source can (the
 * result is then a view of it; a caller that reuses `into` must be done with the bytes).
 */
export type ByteRanges = (from: number, to: number, into?: Uint8Array) => Promise<Uint8Array>;

/** An object open for random access; `close` when done (a fixture file holds a descriptor). */
export interface RangeReader {
  readonly read: ByteRanges;
  close(): Promise<void>;
}

/** Random access to an object: its own `ranges()` when it has them, else slices of its Blob. */
export async function openRanges(object: ObjectSource): Promise<RangeReader> {
  if (object.ranges) return object.ranges();
  const blob = await object.blob();
  return { read: async (from, to) => new Uint8Array(await blob.slice(from, to).arrayBuffer()), close: async () => {} };
}

/** Runs `use` with the object open for random access, and closes it after. */
export async function withRanges<T>(object: ObjectSource, use: (read: ByteRanges) => Promise<T>): Promise<T> {
  const reader = await openRanges(object);
  try {
    return await use(reader.read);
  } finally {
    await reader.close();
  }
}

/**
 * A byte buffer reused for data that is copied elsewhere before the buffer's next use
 * (a Parquet row group's compressed bytes, which parquet-wasm copies into its memory):
 * each fresh buffer costs a zero fill, page faults and garbage collection, tens of
 * megabytes per file read.
 */
export class ScratchBytes {
  private bytes = new Uint8Array(0);

  /** `size` bytes of the buffer, grown (and its old contents dropped) when too small. */
  take(size: number): Uint8Array {
    if (this.bytes.length < size) this.bytes = new Uint8Array(Math.max(size, Math.floor(this.bytes.length * 1.5)));
    return this.bytes.subarray(0, size);
  }
}

export interface ReadOptions {
  /**
   * The columns to produce, in this order, with these types and nullability (the source's
   * declared schema, projected to what the job uses). A column the object lacks, or holds
   * in a type that cannot be read as the declared one, is an error naming the object and
   * the column.
   */
  readonly schema: Schema;
  /** Rows per batch. Readers may produce fewer, never more. */
  readonly batchRows: number;
  /**
   * Predicate pushdown: given a row group's column statistics, false means no row in it
   * can pass the job's filters, so it may be skipped. Only formats with statistics use it.
   */
  readonly mayMatch?: (stats: ColumnStatistics) => boolean;
  /**
   * String columns the reader may produce dictionary-encoded (Arrow Dictionary<Int32,
   * Utf8>) instead of plain, when the file makes that cheap. The executor names only
   * columns whose every consumer works on dictionaries (kernels/dictionary.ts says which);
   * readers without such an encoding ignore it.
   */
  readonly dictionaryColumns?: ReadonlySet<string>;
}

/**
 * Min/max statistics of a block of rows, per top-level primitive column, by declared
 * type: boolean as boolean; tinyint, smallint, int and date (days) as number; bigint and
 * timestamp (microseconds, UTC) as bigint; float and double as number; decimal as text
 * with exactly the declared fraction digits ("-12.50"); string as string; binary as
 * Uint8Array. Bounds are rounded outward; statistics a file cannot be trusted for are
 * left out (see parquet-statistics.ts).
 */
export type ColumnStatistics = ReadonlyMap<string, { readonly min?: unknown; readonly max?: unknown; readonly nullCount?: number }>;

export interface FormatReader {
  read(object: ObjectSource, options: ReadOptions): AsyncIterable<RecordBatch>;
}

export interface WriteOptions {
  /** The columns written, in order (partition columns already removed). */
  readonly schema: Schema;
  /** Parquet: snappy, gzip, zstd, uncompressed. CSV/JSON: none, gzip. */
  readonly compression: string;
}

export interface FormatWriter {
  /** The file's name suffix, e.g. `.snappy.parquet`, `.csv.gz`. */
  extension(options: WriteOptions): string;
  /** The bytes of one file holding every batch. */
  write(batches: AsyncIterable<RecordBatch>, options: WriteOptions): AsyncIterable<Uint8Array>;
}

/** A problem with an input object, reported as "<object>: <message>". */
export class FormatError extends Error {
  constructor(
    readonly object: string,
    message: string,
  ) {
    super(`${object}: ${message}`);
    this.name = 'FormatError';
  }
}
