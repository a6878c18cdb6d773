/**
 * A crawler for fixtures: infers a catalog table from the files below a location, as a
 * Glue crawler does for S3 data.
 *
 * - Classification from each file's content (Parquet's `PAR1` magic; a line starting with
 *   `{` is JSON; otherwise CSV), or its extension; every file must have the same one.
 *   Whole-file gzip (`.gz`) is the table's compression.
 * - Partition keys from the folders between the location and the files: `key=value`
 *   folders give their key, other folders `partition_0`, `partition_1`, ... as crawlers
 *   name them; every file must sit at the same depth under the same keys. Their types are
 *   inferred from the folder values as Spark's partition discovery does: int, bigint,
 *   double, date (yyyy-MM-dd), else string.
 * - Columns from the files as Spark reads them: Parquet's own schema through the
 *   catalog's Parquet mapping (catalog/parquet.ts), CSV and JSON by
 *   Spark's inference (csv.ts inferCsvSchema, json.ts inferJsonSchema). For CSV the
 *   separator (`,` tab `|` `;`), quoting and header are detected the way crawlers do:
 *   the separator that splits the first lines into the same number of fields, a header
 *   when the first line's fields are distinct non-numeric texts. Files are merged by
 *   column name in first-seen order, types widened (Spark's common type, else string).
 *   Catalog columns are always nullable, as a crawler makes them.
 * Client-side encrypted objects are refused: their content cannot be read without keys.
 */
import { fromParquetColumn } from '../catalog/parquet.js';
import { field, type Field, type Schema } from '../catalog/schema.js';
import { commonType, t, typesEqual, type GlueType } from '../catalog/types.js';
import type { CsvOptions } from '../jobs/nodes/sources.js';
import { inferCsvSchema } from './formats/csv.js';
import type { ObjectSource } from './formats/format.js';
import { inferJsonSchema } from './formats/json.js';
import { parquetColumns } from './formats/parquet-schema.js';
import { unescapePathName } from './partitions.js';
import type { ObjectStore } from './stores/store.js';

export interface InferredTable {
  readonly format: 'parquet' | 'csv' | 'json';
  readonly compression: 'none' | 'gzip';
  /** CSV only: what was detected. */
  readonly csv?: Required<CsvOptions>;
  readonly columns: Schema;
  readonly partitionKeys: Schema;
  /** How many data files were read. */
  readonly files: number;
  /** Each distinct partition's values, in key order. */
  readonly partitions: readonly (readonly string[])[];
}

const SEPARATORS = [',', '\t', '|', ';'] as const;

async function head(source: ObjectSource, bytes = 64 * 1024): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source.stream()) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= bytes) break;
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

function classify(key: string, first: Uint8Array): 'parquet' | 'csv' | 'json' {
  if (first.length >= 4 && Buffer.from(first.subarray(0, 4)).toString('latin1') === 'PAR1') return 'parquet';
  if (/\.parquet$/i.test(key)) return 'parquet';
  if (/\.(json|jsonl|ndjson)(\.gz)?$/i.test(key)) return 'json';
  if (/\.csv(\.gz)?$/i.test(key)) return 'csv';
  const text = new TextDecoder().decode(first).replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('{') ? 'json' : 'csv';
}

/** Splits a CSV line, honouring `"` quotes when asked. */
function splitLine(line: string, separator: string, quote: string | null): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== null && c === quote) {
      if (quoted && line[i + 1] === quote) {
        cur += c;
        i++;
      } else quoted = !quoted;
    } else if (c === separator && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Separator, quoting and header of a CSV file, from its first lines. */
export function detectCsv(sample: string): Required<CsvOptions> {
  const lines = sample.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '').slice(0, 20);
  // A partial last line (the sample was cut) would count fields wrongly.
  if (lines.length > 1) lines.pop();
  const quote = lines.some((l) => l.includes('"')) ? '"' : null;
  let best: (typeof SEPARATORS)[number] = ',';
  let bestScore = -1;
  for (const sep of SEPARATORS) {
    const counts = lines.map((l) => splitLine(l, sep, quote).length);
    const consistent = counts.every((c) => c === counts[0]);
    const score = consistent && counts[0]! > 1 ? counts[0]! : 0;
    if (score > bestScore) {
      best = sep;
      bestScore = score;
    }
  }
  const first = splitLine(lines[0] ?? '', best, quote);
  const looksLikeName = (f: string) => f.trim() !== '' && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(f.trim()) && !/^(true|false)$/i.test(f.trim());
  const header = first.every(looksLikeName) && new Set(first).size === first.length;
  return { separator: best, quote, header };
}

async function schemaOf(source: ObjectSource, format: 'parquet' | 'csv' | 'json', csv: Required<CsvOptions> | undefined): Promise<Schema> {
  switch (format) {
    case 'parquet': {
      // Typed from the Parquet schema itself, through the catalog's Parquet mapping, as a crawler reads it.
      const fields: Field[] = [];
      for (const node of await parquetColumns(source)) {
        const mapped = fromParquetColumn(node);
        if (!('type' in mapped)) throw new Error(`${source.name}: column ${node.name}: unsupported: ${mapped.unsupported}`);
        fields.push(field(node.name, mapped.type, true));
      }
      return fields;
    }
    case 'csv': {
      const schema = await inferCsvSchema(source, csv!);
      // Crawlers name header-less columns col0, col1, ...; Spark's _c0 would be a poor catalog name.
      return csv!.header ? schema : schema.map((f, i) => field(`col${i}`, f.type, true));
    }
    case 'json':
      return inferJsonSchema(source);
  }
}

/** Spark's partition value inference: int, bigint, double, date, else string. */
function partitionType(values: readonly string[]): GlueType {
  const all = (test: (v: string) => boolean) => values.length > 0 && values.every(test);
  if (all((v) => /^-?\d+$/.test(v) && Math.abs(Number(v)) <= 2147483647)) return t.int();
  if (all((v) => /^-?\d+$/.test(v) && BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n)) return t.bigint();
  if (all((v) => /^-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(v))) return t.double();
  if (all((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)))) return t.date();
  return t.string();
}

function merge(into: Field[], schema: Schema): void {
  for (const f of schema) {
    const at = into.findIndex((g) => g.name === f.name);
    if (at < 0) into.push(field(f.name, f.type, true));
    else if (!typesEqual(into[at]!.type, f.type)) into[at] = field(f.name, commonType(into[at]!.type, f.type) ?? t.string(), true);
  }
}

/** Infers the table of every data file below `prefix` in `bucket`. */
export async function inferTable(store: ObjectStore, bucket: string, prefix: string): Promise<InferredTable> {
  const objects = await store.list(bucket, prefix);
  if (objects.length === 0) throw new Error(`no data files at ${store.describe(bucket, prefix)}`);
  // A single file named exactly is a table of one file in its folder.
  const single = objects.length === 1 && objects[0]!.key === prefix && prefix !== '';
  const folder = single ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  let format: InferredTable['format'] | undefined;
  let csv: Required<CsvOptions> | undefined;
  let gzip: boolean | undefined;
  let keys: string[] | undefined;
  const columns: Field[] = [];
  const partitions = new Map<string, string[]>();
  const samples: { source: ObjectSource; text: string }[] = [];
  for (const object of objects) {
    const name = store.describe(bucket, object.key);
    const metadata = await store.metadata(bucket, object.key);
    if (metadata && ('x-amz-key-v2' in metadata || 'x-amz-key' in metadata || 'x-amz-3' in metadata)) {
      throw new Error(`${name}: client-side encrypted (CSE-KMS); decrypt it first (gluekit fixtures decrypt) to infer its schema`);
    }
    const source = store.open(bucket, object);
    const raw = await head(source);
    // Whole-file gzip is recognised by its magic bytes, as the readers do.
    const fileGzip = raw[0] === 0x1f && raw[1] === 0x8b;
    const first = fileGzip ? await gunzipHead(raw) : raw;
    const fileFormat = classify(object.key, first);
    if (format !== undefined && (fileFormat !== format || fileGzip !== gzip)) {
      throw new Error(`${name}: ${fileFormat}${fileGzip ? ' (gzip)' : ''}, but the files before it are ${format}${gzip ? ' (gzip)' : ''}; a table holds one format (a crawler would make several tables)`);
    }
    format = fileFormat;
    gzip = fileGzip;
    const segments = object.key.slice(folder.length).split('/').slice(0, -1).map((segment, i) => {
      const eq = segment.indexOf('=');
      return eq > 0 ? { key: unescapePathName(segment.slice(0, eq)), value: unescapePathName(segment.slice(eq + 1)) } : { key: `partition_${i}`, value: segment };
    });
    const fileKeys = segments.map((s) => s.key);
    if (keys !== undefined && (keys.length !== fileKeys.length || keys.some((k, i) => k !== fileKeys[i]))) {
      throw new Error(`${name}: in folders ${fileKeys.join('/') || '(none)'}, but the files before it are in ${keys.join('/') || 'the location itself'}; every file of a table sits under the same partition folders`);
    }
    keys = fileKeys;
    const values = segments.map((s) => s.value);
    partitions.set(JSON.stringify(values), values);
    samples.push({ source, text: format === 'csv' ? new TextDecoder().decode(first) : '' });
  }
  // CSV layout from every file's first lines: one file with quoted fields makes the table quoted.
  if (format === 'csv') {
    const detected = samples.map((s) => detectCsv(s.text));
    csv = { ...detected[0]!, quote: detected.some((d) => d.quote !== null) ? '"' : null };
  }
  for (const { source } of samples) merge(columns, await schemaOf(source, format!, csv));
  const clash = columns.find((c) => keys!.some((k) => k.toLowerCase() === c.name.toLowerCase()));
  if (clash) throw new Error(`column "${clash.name}" is both in the files and a partition folder name under ${store.describe(bucket, folder)}`);
  const values = [...partitions.values()];
  return {
    format: format!,
    compression: gzip ? 'gzip' : 'none',
    ...(csv && { csv }),
    columns: Object.freeze(columns),
    partitionKeys: Object.freeze(keys!.map((k, i) => field(k, partitionType(values.map((v) => v[i]!).filter((v) => v !== '__HIVE_DEFAULT_PARTITION__')), true))),
    files: objects.length,
    partitions: values,
  };
}

async function gunzipHead(bytes: Uint8Array): Promise<Uint8Array> {
  const { createGunzip } = await import('node:zlib');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const gunzip = createGunzip();
    gunzip.on('data', (c: Buffer) => chunks.push(c));
    // The sample is cut mid-stream: what decompressed before the end is enough to detect the layout.
    gunzip.on('error', () => resolve(Buffer.concat(chunks)));
    gunzip.on('end', () => resolve(Buffer.concat(chunks)));
    gunzip.end(bytes);
  });
}
