/**
 * Writes a sink's rows into the run's staging area, as Glue lays them out: Hive-style
 * `key=value` folders for partition columns (which leave the files), one file per
 * folder here (Spark writes one per task; the count is not part of the contract).
 * Partition values are printed as Spark casts them to string and escaped as Hive does;
 * NULL and empty values go to `__HIVE_DEFAULT_PARTITION__`.
 *
 * A CSE-KMS sink encrypts each file after its format writer produced it, as one Amazon S3
 * Encryption Client object (V2: AES-256-GCM, data key wrapped kms+context under the sink's
 * key), with the envelope as the object's user metadata.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import type { Schema } from '../catalog/schema.js';
import { t, type GlueType } from '../catalog/types.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import { castColumn } from '../kernels/cast.js';
import { isValid, stringAt } from '../kernels/columns.js';
import { GroupTable, groupTableSupports } from '../kernels/keys.js';
import { takeData, takeRows } from '../kernels/selection.js';
import { eachBounded } from '../core/bounded.js';
import type { S3SinkNode } from '../jobs/nodes/sinks.js';
import { csvWriter } from './formats/csv.js';
import type { FormatWriter, WriteOptions } from './formats/format.js';
import { jsonWriter } from './formats/json.js';
import { parquetWriter } from './formats/parquet.js';
import type { LocalContext } from '../transforms/transform.js';
import { encryptStream } from './cse/encrypt.js';
import { KmsError, type KeyDescription, type KeyProvider } from './cse/kms.js';
import type { OutputStaging } from './stores/store.js';

export interface WrittenFile {
  /** The object key, below the bucket. */
  readonly key: string;
  /** Where the file is once the run commits (a local path or an s3:// URL). */
  readonly location: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface SinkResult {
  readonly id: string;
  readonly bucket: string;
  /** The sink's folder key (ends with "/"). */
  readonly prefix: string;
  /** Where the folder is once the run commits (a local path or an s3:// URL). */
  readonly location: string;
  readonly rows: number;
  readonly files: readonly WrittenFile[];
  /** The partition folders written, e.g. `order_date=2024-01-31`, sorted. */
  readonly partitions: readonly string[];
}

/** Rows per part file before a sink starts the next one (Spark's maxRecordsPerFile, here on by default to bound memory). */
export const DEFAULT_MAX_ROWS_PER_FILE = 1_000_000;

const WRITERS: Record<S3SinkNode['format'], FormatWriter> = { parquet: parquetWriter, csv: csvWriter, json: jsonWriter };
const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

export interface SinkWriteOptions {
  /** Keys for client-side encrypted (CSE-KMS) sinks. */
  readonly keys?: KeyProvider;
  /** Rows per part file (per partition folder). Default DEFAULT_MAX_ROWS_PER_FILE. */
  readonly maxRowsPerFile?: number;
}

/**
 * Why the sink cannot be written with these keys, or undefined when it can. The executor
 * asks before the run starts, so a CSE sink without keys fails before anything is read.
 */
export async function sinkKeysProblem(node: S3SinkNode, keys: KeyProvider | undefined): Promise<string | undefined> {
  if (node.encryption?.mode !== 'CSE-KMS') return undefined;
  if (!keys) return `sink "${node.id}" is client-side encrypted (CSE-KMS); pass a keystore (gluekit run --keystore FILE, or --kms for AWS KMS) to encrypt its files`;
  // DescribeKey, where the provider has it, finds a missing or disabled key before any work
  // is done. Only answers that settle it fail here: a caller may be denied DescribeKey and
  // still be allowed GenerateDataKey, which then decides.
  const arn = node.encryption.kmsKeyArn;
  let key: KeyDescription | undefined;
  try {
    key = await keys.describe?.(arn);
  } catch (e) {
    const settled = e instanceof KmsError && (e.kmsError === 'NotFoundException' || e.kmsError === 'DisabledException');
    return settled ? `sink "${node.id}" cannot encrypt its files under ${arn}: ${e.message}` : undefined;
  }
  return key && !key.enabled ? `sink "${node.id}" cannot encrypt its files: key ${arn} is disabled` : undefined;
}

export async function writeSink(
  node: S3SinkNode,
  stream: AsyncIterable<RecordBatch>,
  staging: OutputStaging,
  ctx: LocalContext,
  sinkOptions: SinkWriteOptions = {},
): Promise<SinkResult> {
  const cse = node.encryption?.mode === 'CSE-KMS' ? node.encryption : undefined;
  if (cse && !sinkOptions.keys) throw new Error((await sinkKeysProblem(node, undefined))!);
  const { bucket, key: prefix } = node.location;
  const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  // Columns the input node dropped at run time are known once it has produced rows.
  const it = stream[Symbol.asyncIterator]();
  const first = await it.next();
  const input = (async function* () {
    if (!first.done) yield first.value;
    for (let step = await it.next(); !step.done; step = await it.next()) yield step.value;
  })();
  const dropped = new Set(ctx.droppedColumns.get(node.inputs[0]) ?? []);
  const partitionIdx = node.partitionKeys.map((k) => node.schema.findIndex((f) => f.name === k));
  const dataIdx = node.schema.map((_, i) => i).filter((i) => !partitionIdx.includes(i) && !dropped.has(node.schema[i]!.name));
  const dataSchema: Schema = dataIdx.map((i) => node.schema[i]!);
  const writer = WRITERS[node.format];
  const options: WriteOptions = { schema: dataSchema, compression: node.compression };
  const extension = writer.extension(options);
  const project = (batch: RecordBatch) => makeBatch(dataSchema, dataIdx.map((i) => columnAt(batch, i)), batch.numRows);
  const maxRows = sinkOptions.maxRowsPerFile ?? DEFAULT_MAX_ROWS_PER_FILE;

  const files: WrittenFile[] = [];
  const write = async (key: string, batches: readonly RecordBatch[]) => {
    const produced = writer.write(
      (async function* () {
        yield* batches;
      })(),
      options,
    );
    const bytes = cse
      ? await writeEncrypted(staging, bucket, key, produced, sinkOptions.keys!, cse.kmsKeyArn)
      : await staging.write(bucket, key, produced);
    files.push({ key, location: staging.describe(bucket, key), rows: batches.reduce((n, b) => n + b.numRows, 0), bytes });
  };

  // Rows wait per folder ('' when unpartitioned) until a folder holds maxRows, then go to
  // a new part file there: memory stays bounded by maxRows per folder, as Spark's
  // maxRecordsPerFile bounds its files, however large the input.
  const pending = new Map<string, { batches: RecordBatch[]; rows: number; files: number }>();
  const flush = async (path: string) => {
    const state = pending.get(path)!;
    if (state.rows === 0) return;
    await write(`${folder}${path === '' ? '' : `${path}/`}part-${String(state.files).padStart(5, '0')}${extension}`, state.batches);
    state.files++;
    state.batches = [];
    state.rows = 0;
  };
  const add = async (path: string, part: RecordBatch) => {
    let state = pending.get(path);
    if (!state) pending.set(path, (state = { batches: [], rows: 0, files: 0 }));
    state.batches.push(part);
    state.rows += part.numRows;
    if (state.rows >= maxRows) await flush(path);
  };

  const folders = new PartitionFolders(node, partitionIdx, ctx);
  let rows = 0;
  for await (const batch of input) {
    rows += batch.numRows;
    if (batch.numRows === 0) continue;
    if (partitionIdx.length === 0) {
      await add('', project(batch));
      continue;
    }
    // Each folder's rows, in row order: a counting sort of the rows by folder number.
    const folderOf = folders.of(batch);
    const starts = new Int32Array(folders.paths.length + 1);
    for (let r = 0; r < folderOf.length; r++) starts[folderOf[r]! + 1]!++;
    for (let f = 0; f < folders.paths.length; f++) starts[f + 1]! += starts[f]!;
    const order = new Int32Array(folderOf.length);
    const fill = starts.slice(0, folders.paths.length);
    for (let r = 0; r < folderOf.length; r++) order[fill[folderOf[r]!]!++] = r;
    for (let f = 0; f < folders.paths.length; f++) {
      if (starts[f] === starts[f + 1]) continue;
      await add(folders.paths[f]!, project(takeRows(batch, order.subarray(starts[f]!, starts[f + 1]!))));
    }
  }
  // A sink with no rows writes no file, as Spark writes no part file for an empty result.
  const written = [...pending.keys()].sort();
  await eachBounded(written, WRITE_CONCURRENCY, flush);
  const partitions = partitionIdx.length === 0 ? [] : written;
  files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)); // report in key order, not flush order
  return { id: node.id, bucket, prefix: folder, location: staging.describe(bucket, folder), rows, files, partitions };
}

/**
 * Files a sink writes at once at the end. A partitioned sink often ends with hundreds of
 * small files, each a few hundred microseconds of encoding and then mkdir, open, write and
 * close on the file system (or an upload): written one after another, the run mostly
 * waits. A few at a time overlap one file's I/O with the next one's encoding, while the
 * memory held stays that of the pending rows (already in memory) plus a few encoded files.
 */
const WRITE_CONCURRENCY = 8;

/**
 * Encrypts a whole file, as the format writer produced it, and stages it with its
 * envelope as metadata. GCM authenticates the file as one message, so the file is held
 * in memory until its tag is known; encrypting large outputs part by part (the S3
 * Encryption Client's multipart uploads) is left for S3 uploads. Glue cannot add an
 * encryption context when writing (validation refuses one on a sink), so the context is
 * only the `aws:x-amz-cek-alg` entry the format requires.
 */
/**
 * Encrypts a file as the format writer produces it, in parts (GCM, the tag after the last
 * part), so no file is held whole in memory for encryption. The envelope (V2) goes with
 * the object as its metadata; its optional unencrypted-content-length is left out, since
 * the length is known only at the end.
 */
async function writeEncrypted(staging: OutputStaging, bucket: string, key: string, chunks: AsyncIterable<Uint8Array>, keys: KeyProvider, keyArn: string): Promise<number> {
  let encrypted: Awaited<ReturnType<typeof encryptStream>>;
  try {
    encrypted = await encryptStream(chunks, { keys, keyId: keyArn });
  } catch (e) {
    throw new Error(`${staging.describe(bucket, key)}: cannot encrypt (CSE-KMS under ${keyArn}): ${(e as Error).message}`);
  }
  return staging.write(bucket, key, encrypted.body, encrypted.metadata);
}

/**
 * Numbers the partition folders (`key=value/...`, as Hive names them) and gives each row
 * its folder's number. A folder's path is built once, from the first row of its values:
 * rows are keyed by their partition values in a GroupTable (no string per row), and only
 * new values are cast to strings and escaped. Values whose paths are equal share a folder
 * (NULL and '' are both Hive's default partition).
 */
class PartitionFolders {
  /** Folder number to path. */
  readonly paths: string[] = [];
  private readonly numbers = new Map<string, number>();
  /** The folder of each GroupTable slot. */
  private readonly folderOfSlot: number[] = [];
  private readonly table: GroupTable | undefined;
  private readonly types: GlueType[];
  private readonly escapedKeys: string[];

  constructor(
    node: S3SinkNode,
    private readonly columns: readonly number[],
    private readonly ctx: LocalContext,
  ) {
    this.types = columns.map((i) => node.schema[i]!.type);
    this.escapedKeys = node.partitionKeys.map(escapePathName);
    // GroupTable treats -0.0 as 0.0 (and every NaN as one), as grouping does, but their
    // folder names differ: floating-point partitions take the per-row path.
    const floating = this.types.some((type) => type.kind === 'float' || type.kind === 'double');
    this.table = !floating && groupTableSupports(this.types) ? new GroupTable(this.types) : undefined;
  }

  /** Each row's folder number. */
  of(batch: RecordBatch): Int32Array {
    const rows = batch.numRows;
    const data = this.columns.map((i) => columnAt(batch, i));
    const out = new Int32Array(rows);
    if (!this.table) {
      const texts = this.texts(data);
      for (let r = 0; r < rows; r++) out[r] = this.folder(texts, r);
      return out;
    }
    const { slotOf, openedRows, firstOpened } = this.table.assign(data, rows);
    if (openedRows.length > 0) {
      const texts = this.texts(data.map((column) => takeData(column, openedRows)));
      for (let k = 0; k < openedRows.length; k++) this.folderOfSlot[firstOpened + k] = this.folder(texts, k);
    }
    const { folderOfSlot } = this;
    for (let r = 0; r < rows; r++) out[r] = folderOfSlot[slotOf[r]!]!;
    return out;
  }

  /** The partition columns as Spark's cast to string writes them into folder names. */
  private texts(data: readonly Data[]): Data[] {
    return data.map((column, j) => castColumn(column, this.types[j]!, t.string(), this.ctx));
  }

  /** The number of row `r`'s folder, given its partition values as text. */
  private folder(texts: readonly Data[], r: number): number {
    const path = this.escapedKeys.map((key, j) => `${key}=${partitionText(texts[j]!, r)}`).join('/');
    let number = this.numbers.get(path);
    if (number === undefined) {
      number = this.paths.length;
      this.paths.push(path);
      this.numbers.set(path, number);
    }
    return number;
  }
}

function partitionText(text: Data, row: number): string {
  if (!isValid(text, row)) return HIVE_NULL;
  const value = stringAt(text, row);
  return value === '' ? HIVE_NULL : escapePathName(value);
}

/** Characters Hive escapes in partition folder names (FileUtils.escapePathName), as %XX. */
const HIVE_ESCAPED = new Set(['"', '#', '%', "'", '*', '/', ':', '=', '?', '\\', '\x7f', '{', '[', ']', '^']);

export function escapePathName(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    out += (code >= 0x01 && code <= 0x1f) || HIVE_ESCAPED.has(ch) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}
