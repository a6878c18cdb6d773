/**
 * Reads a source node's objects as batches of its declared schema.
 *
 * Like the generated Glue script (read, then cast each declared column), text formats
 * (CSV, JSON Lines) are read in their text layout and cast with Spark's cast semantics;
 * Parquet and Arrow files are read in their own types and conformed to the declared
 * ones. Catalog tables get their partition columns from `key=value` folder names.
 * The object list is fixed before reading starts, and a fixture whose extension names a
 * format (.parquet, .arrow, .csv, .json/.jsonl) is read as that format, so a test may
 * stand in for a Parquet source with an Arrow or CSV file.
 */
import { Utf8, type Data, type RecordBatch } from 'apache-arrow';
import type { Schema } from '../catalog/schema.js';
import { t, type GlueType } from '../catalog/types.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import { castColumn } from '../kernels/cast.js';
import { stringData } from '../kernels/columns.js';
import type { KernelContext } from '../kernels/context.js';
import type { SourceNode } from '../jobs/nodes/sources.js';
import { arrowIpcReader } from './formats/arrow-ipc.js';
import { csvReader } from './formats/csv.js';
import { decryptObject } from './cse/decrypting-source.js';
import { checkDrift, permissiveColumns } from './drift.js';
import type { KeyProvider } from './cse/kms.js';
import type { FormatReader, ObjectSource, ReadOptions } from './formats/format.js';
import { jsonReader } from './formats/json.js';
import { parquetReader } from './formats/parquet.js';
import type { ObjectInfo, ObjectStore } from './stores/store.js';
import { textLayoutOf } from './text-layout-type.js';

export interface SourceReadOptions {
  readonly batchRows: number;
  readonly ctx: KernelContext;
  /** Keys for client-side encrypted (CSE-KMS) sources: a local keystore, or KMS. */
  readonly keys?: KeyProvider;
  /** Read legacy S3 Encryption Client formats (V1, AES-CBC, wrap `kms`). Off by default. */
  readonly allowLegacyCse?: boolean;
  /** The job's Glue version: on 6.0, S3A's encryption client decrypts only with the configured key. */
  readonly glueVersion?: string;
  /** Predicate pushdown: whether a block with these statistics may hold rows the job keeps. */
  readonly mayMatch?: ReadOptions['mayMatch'];
  /**
   * Projection pushdown: the columns the job uses (the source's pruned schema). Parquet
   * and Arrow files are read for these only, and the batches hold only these; text
   * formats are parsed whole (a headerless CSV's columns are found by position).
   */
  readonly columns?: ReadonlySet<string>;
  /** String columns the reader may produce dictionary-encoded (ReadOptions.dictionaryColumns). */
  readonly dictionaryColumns?: ReadonlySet<string>;
}

type Format = 'parquet' | 'csv' | 'json' | 'arrow';

const EXTENSIONS: [RegExp, Format][] = [
  [/\.parquet$/i, 'parquet'],
  [/\.(arrow|ipc|feather)$/i, 'arrow'],
  [/\.csv(\.gz)?$/i, 'csv'],
  [/\.(json|jsonl|ndjson)(\.gz)?$/i, 'json'],
];

function formatOf(key: string, declared: Format): Format {
  return EXTENSIONS.find(([pattern]) => pattern.test(key))?.[1] ?? declared;
}

function readerFor(format: Format, node: SourceNode): FormatReader {
  switch (format) {
    case 'parquet':
      return parquetReader;
    case 'arrow':
      return arrowIpcReader;
    case 'json':
      return jsonReader;
    case 'csv':
      return node.kind === 'S3Source' ? csvReader(node.csv) : tableCsvReader(node);
  }
}

export async function* readSource(node: SourceNode, store: ObjectStore, options: SourceReadOptions): AsyncIterable<RecordBatch> {
  const { bucket, key } = node.location;
  const objects = await store.list(bucket, key);
  if (objects.length === 0) {
    throw new Error(`no data objects at s3://${bucket}/${key} (looked in ${store.describe(bucket, key)})`);
  }
  const declared: Format = node.kind === 'S3Source' ? node.format : node.table.format;
  const dataSchema = node.kind === 'CatalogSource' ? node.table.columns : node.schema;
  const partitionKeys = node.kind === 'CatalogSource' ? node.table.partitionKeys : [];
  // Schema drift (drift.ts): every file of a table is compared with it before any row is read.
  const drift = node.kind === 'CatalogSource'
    ? await checkDrift(node, objects.map((object) => ({
        key: object.key,
        format: formatOf(object.key, declared),
        open: async () => {
          const opened = store.open(bucket, object);
          const decrypted = node.encryption ? await decrypt(node, store, bucket, object, opened, options) : undefined;
          return { source: decrypted ?? opened, dispose: async () => decrypted?.dispose() };
        },
      })), (message) => process.stderr.write(`gluekit: warning: ${message}\n`))
    : undefined;

  for (const object of objects) {
    const format = formatOf(object.key, declared);
    const text = format === 'csv' || format === 'json';
    const partitions = partitionKeys.length > 0 ? partitionValues(object, key, partitionKeys, store.describe(bucket, object.key)) : [];
    const opened = store.open(bucket, object);
    // Nothing unauthenticated reaches a reader: a CSE object is decrypted, and its GCM tag
    // verified, before the reader sees a byte.
    const decrypted = node.encryption ? await decrypt(node, store, bucket, object, opened, options) : undefined;
    try {
      const permissive = drift?.get(object.key);
      const { columns: used } = options;
      const projected = used !== undefined && !permissive && (format === 'parquet' || format === 'arrow');
      const readSchema = projected ? dataSchema.filter((f) => used.has(f.name)) : dataSchema;
      const outSchema = projected ? node.schema.filter((f) => used.has(f.name)) : node.schema;
      const keys = partitionKeys.flatMap((p, i) => (projected && !used.has(p.name) ? [] : [{ type: p.type, value: partitions[i]! }]));
      const batches = readerFor(format, node).read(decrypted ?? opened, {
        schema: permissive ? permissive.present : readSchema,
        batchRows: options.batchRows,
        ...(options.mayMatch && { mayMatch: options.mayMatch }),
        ...(options.dictionaryColumns && !permissive && { dictionaryColumns: options.dictionaryColumns }),
      });
      for await (const batch of batches) {
        const columns: Data[] = permissive
          ? permissiveColumns(batch, permissive, dataSchema, text, options.ctx)
          : readSchema.map((f, i) => (text ? castColumn(columnAt(batch, i), textLayoutOf(f.type), f.type, options.ctx) : columnAt(batch, i)));
        for (const p of keys) columns.push(constantColumn(p.value, p.type, batch.numRows, options.ctx));
        yield makeBatch(outSchema, columns, batch.numRows);
      }
    } finally {
      await decrypted?.dispose();
    }
  }
}

async function decrypt(node: SourceNode, store: ObjectStore, bucket: string, object: ObjectInfo, opened: ObjectSource, options: SourceReadOptions) {
  if (!options.keys) {
    throw new Error(`${opened.name}: source "${node.id}" is client-side encrypted (CSE-KMS); give a keystore (gluekit run --keystore FILE) to decrypt it`);
  }
  const encryption = node.encryption!;
  return decryptObject(opened, await store.metadata(bucket, object.key), {
    keys: options.keys,
    expectedContext: encryption.context,
    // Glue 6.0's S3A client decrypts with the key it is configured with; EMRFS (4.0/5.0)
    // with whichever key wrapped each object.
    ...(options.glueVersion === '6.0' && { keyId: encryption.kmsKeyArn }),
    allowLegacy: options.allowLegacyCse ?? false,
    instructionFile: () => store.sidecar(bucket, `${object.key}.instruction`),
  });
}

/** A catalog CSV table's reader, with its SerDe options. */
function tableCsvReader(node: Extract<SourceNode, { kind: 'CatalogSource' }>): FormatReader {
  const csv = node.table.csv ?? { separator: ',', quote: '"', escape: null, header: true };
  if (csv.escape !== null) {
    throw new Error(`source "${node.id}": table ${node.table.database}.${node.table.name} escapes with "${csv.escape}"; the local CSV reader reads doubled quotes only`);
  }
  return csvReader({ separator: csv.separator, quote: csv.quote, header: csv.header, ...(csv.nullToken !== undefined && { nullTokens: [csv.nullToken] }) });
}

const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

/**
 * The partition values of an object from its `key=value` folders below the table's
 * location, in partition-key order. Values are Hive-escaped (%XX); Hive's null marker
 * reads as null.
 */
function partitionValues(object: ObjectInfo, location: string, keys: Schema, name: string): (string | null)[] {
  const folder = location === '' || location.endsWith('/') ? location : `${location}/`;
  const segments = object.key.slice(folder.length).split('/').slice(0, -1);
  const found = new Map<string, string>();
  for (const segment of segments) {
    const eq = segment.indexOf('=');
    if (eq > 0) found.set(decodeURIComponent(segment.slice(0, eq)), decodeURIComponent(segment.slice(eq + 1)));
  }
  return keys.map((k) => {
    const value = found.get(k.name);
    if (value === undefined) {
      throw new Error(`${name}: not inside a "${k.name}=<value>" folder, but the table is partitioned by ${keys.map((p) => p.name).join(', ')}`);
    }
    return value === HIVE_NULL ? null : value;
  });
}

/** A column holding one value in every row, cast from its folder text like Spark does. */
function constantColumn(value: string | null, type: GlueType, rows: number, ctx: KernelContext): Data {
  const text = stringData(new Utf8(), Array.from({ length: rows }, () => value));
  return castColumn(text, t.string(), type, ctx);
}
