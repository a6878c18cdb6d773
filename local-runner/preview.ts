/**
 * A file's schema and first rows, whatever its format: what `gluekit preview` shows.
 * The schema is the file's own (Parquet and Arrow) or inferred as Spark would (CSV and
 * JSON Lines); the rows are read through the same readers and casts a run uses.
 */
import { open as openFile, stat } from 'node:fs/promises';
import type { RecordBatch } from 'apache-arrow';
import type { Schema } from '../catalog/schema.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import { castColumn } from '../kernels/cast.js';
import { NON_ANSI } from '../kernels/context.js';
import { inspectArrowIpc, arrowIpcReader } from './formats/arrow-ipc.js';
import { csvReader, inferCsvSchema } from './formats/csv.js';
import type { FormatReader } from './formats/format.js';
import { inferJsonSchema, jsonReader } from './formats/json.js';
import { inspectParquet, parquetReader } from './formats/parquet.js';
import { fileSource } from './stores/fixtures.js';
import { textLayoutOf } from './text-layout-type.js';
import { batchRows, type JsonValue } from './values.js';

export type PreviewFormat = 'parquet' | 'arrow' | 'csv' | 'json';

export interface Preview {
  readonly file: string;
  readonly format: PreviewFormat;
  readonly schema: Schema;
  /** Columns the file holds that gluekit cannot read, with the reason. */
  readonly unsupported: readonly { readonly column: string; readonly reason: string }[];
  readonly rows: { [column: string]: JsonValue }[];
}

const CSV = { separator: ',' as const, quote: '"' as const, header: true };

export function previewFormat(file: string): PreviewFormat | undefined {
  if (/\.parquet$/i.test(file)) return 'parquet';
  if (/\.(arrow|ipc|feather)$/i.test(file)) return 'arrow';
  if (/\.csv(\.gz)?$/i.test(file)) return 'csv';
  if (/\.(json|jsonl|ndjson)(\.gz)?$/i.test(file)) return 'json';
  return undefined;
}

/** Detects the format by content when the name does not say (Parquet's and Arrow's magic bytes). */
async function sniff(path: string): Promise<PreviewFormat | undefined> {
  const file = await openFile(path, 'r');
  try {
    const head = Buffer.alloc(6);
    await file.read(head, 0, 6, 0);
    if (head.subarray(0, 4).toString() === 'PAR1') return 'parquet';
    if (head.toString() === 'ARROW1') return 'arrow';
    return undefined;
  } finally {
    await file.close();
  }
}

export async function previewFile(path: string, limit: number): Promise<Preview> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new Error(`${path}: no such file`);
  const format = previewFormat(path) ?? (await sniff(path));
  if (!format) throw new Error(`${path}: unknown format (expected .parquet, .arrow, .csv or .json/.jsonl)`);
  const object = fileSource(path, path, info.size);

  let schema: Schema;
  let unsupported: Preview['unsupported'] = [];
  let reader: FormatReader;
  switch (format) {
    case 'parquet':
      ({ schema, unsupported } = await inspectParquet(object));
      reader = parquetReader;
      break;
    case 'arrow':
      ({ schema, unsupported } = await inspectArrowIpc(object));
      reader = arrowIpcReader;
      break;
    case 'csv':
      schema = await inferCsvSchema(object, CSV);
      reader = csvReader(CSV);
      break;
    case 'json':
      schema = await inferJsonSchema(object);
      reader = jsonReader;
      break;
  }
  const text = format === 'csv' || format === 'json';
  const rows: Preview['rows'] = [];
  if (limit > 0 && schema.length > 0) {
    for await (const batch of reader.read(object, { schema, batchRows: Math.min(limit, 65_536) })) {
      const typed: RecordBatch = text
        ? makeBatch(schema, schema.map((f, i) => castColumn(columnAt(batch, i), textLayoutOf(f.type), f.type, NON_ANSI)), batch.numRows)
        : batch;
      rows.push(...batchRows(typed, schema).slice(0, limit - rows.length));
      if (rows.length >= limit) break;
    }
  }
  return { file: path, format, schema, unsupported, rows };
}
