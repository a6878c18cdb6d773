/**
 * The parquet-testing corpus (fixtures/parquet-testing): every file in data/ is read
 * with every column and its values checked, or refused with "unsupported: ..."; every
 * file in bad_data/ is a FormatError, in a child process so that a crash or a hang
 * would fail the test instead of the run.
 *
 * Expected values come from, in order: the `*_expect.csv` beside a file, the values
 * `int96_from_spark.md` lists, the corpus README's own statements (BYTE_STREAM_SPLIT
 * columns equal their PLAIN twins; the MAP without values has the keys of its LIST twin),
 * and otherwise DuckDB's reading of the same file. Comparisons DuckDB cannot make are
 * listed in DUCKDB_CANNOT with the reason.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schema } from '../../catalog/schema.js';
import { formatGlueType, parseGlueType, type GlueType } from '../../catalog/types.js';
import { field } from '../../catalog/schema.js';
import { FormatError } from '../../local-runner/formats/format.js';
import { inspectParquet, parquetReader } from '../../local-runner/formats/parquet.js';
import { fileSource } from '../../local-runner/stores/fixtures.js';
import { batchRows, type JsonValue } from '../../local-runner/values.js';

const CORPUS = join(import.meta.dirname, '../../fixtures/parquet-testing');
const DATA = join(CORPUS, 'data');
const BAD = join(CORPUS, 'bad_data');
const dataFiles = readdirSync(DATA).filter((f) => f.endsWith('.parquet')).sort();
const badFiles = readdirSync(BAD).filter((f) => f.endsWith('.parquet')).sort();

/** Files whose pages carry a wrong CRC on purpose: gluekit verifies checksums and says so. */
const CORRUPT_CHECKSUM = new Set(['datapage_v1-corrupt-checksum.parquet', 'rle-dict-uncompressed-corrupt-checksum.parquet']);

/** Columns refused as unsupported, with the reason's start: the complete list for the corpus. */
const UNSUPPORTED: Record<string, Record<string, string>> = {
  'byte_stream_split_extended.gzip.parquet': { float16_plain: 'FLOAT16', float16_byte_stream_split: 'FLOAT16' },
  'float16_nonzeros_and_nans.parquet': { x: 'FLOAT16' },
  'float16_zeros_and_nans.parquet': { x: 'FLOAT16' },
  'floating_orders_nan_count.parquet': { float16_ieee754: 'FLOAT16', float16_typedef: 'FLOAT16' },
  'unknown-logical-type.parquet': { 'column with unknown type': 'unknown logical type' },
  'null_list.parquet': { emptylist: 'a column of type NULL' },
};

/** Where DuckDB's reading is not the reference, and what is checked instead. */
const DUCKDB_CANNOT: Record<string, string> = {
  'byte_stream_split_extended.gzip.parquet': 'DuckDB refuses BYTE_STREAM_SPLIT for integers; each column is compared with its PLAIN twin',
  'hadoop_lz4_compressed.parquet': 'DuckDB has no Hadoop LZ4 codec; compared with lz4_raw_compressed.parquet, the same data',
  'hadoop_lz4_compressed_larger.parquet': 'DuckDB has no Hadoop LZ4 codec; compared with lz4_raw_compressed_larger.parquet',
  'map_no_value.parquet': 'DuckDB refuses a MAP without values; its keys are compared with the LIST column holding the same values',
  'int96_from_spark.parquet': 'DuckDB overflows INT96 past 2262; compared with the microseconds int96_from_spark.md lists',
};

function source(path: string) {
  return fileSource(path, path.split('/').pop()!, statSync(path).size);
}

async function readRows(path: string, schema: Schema): Promise<{ [column: string]: JsonValue }[]> {
  const rows: { [column: string]: JsonValue }[] = [];
  for await (const batch of parquetReader.read(source(path), { schema, batchRows: 4096 })) rows.push(...batchRows(batch, schema));
  return rows;
}

let duck: DuckDBConnection;
beforeAll(async () => {
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => duck?.closeSync());

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** DuckDB's values in the JSON forms of local-runner/values.ts, column by column. */
async function duckRows(path: string, schema: Schema): Promise<{ [column: string]: JsonValue }[]> {
  const select = schema.map((f) => `${duckExpr(quote(f.name), f.type)} AS ${quote(f.name)}`).join(', ');
  const result = await duck.runAndReadAll(`SELECT ${select} FROM read_parquet('${path}')`);
  return result.getRowObjectsJson().map((row) => {
    const out: { [column: string]: JsonValue } = {};
    for (const f of schema) out[f.name] = fromDuck(row[f.name] as JsonValue, f.type);
    return out;
  });
}

function duckExpr(column: string, type: GlueType): string {
  switch (type.kind) {
    case 'decimal':
      return `CAST(${column} AS VARCHAR)`;
    case 'timestamp':
      return `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%fZ')`;
    case 'date':
      return `strftime(${column}, '%Y-%m-%d')`;
    case 'binary':
      return `to_base64(${column})`;
    case 'bigint':
      return `CAST(${column} AS VARCHAR)`;
    case 'array':
    case 'map':
    case 'struct':
      return `CAST(to_json(${column}) AS VARCHAR)`;
    default:
      return column;
  }
}

function fromDuck(value: JsonValue, type: GlueType): JsonValue {
  if (value === null) return null;
  if ((type.kind === 'array' || type.kind === 'map' || type.kind === 'struct') && typeof value === 'string') return JSON.parse(value) as JsonValue;
  if ((type.kind === 'float' || type.kind === 'double') && typeof value === 'string') return value; // NaN, Infinity
  return value;
}

/** Our nested JSON in DuckDB's to_json shape: maps as objects keyed by the key's text. */
function likeDuck(value: JsonValue, type: GlueType, nested = false): JsonValue {
  if (value === null) return null;
  switch (type.kind) {
    case 'array':
      return (value as JsonValue[]).map((v) => likeDuck(v, type.element, true));
    case 'struct':
      return Object.fromEntries(type.fields.map((f) => [f.name, likeDuck((value as Record<string, JsonValue>)[f.name]!, f.type, true)]));
    case 'map': {
      const pairs = Array.isArray(value) ? (value as { key: JsonValue; value: JsonValue }[]).map((p) => [p.key, p.value] as const) : Object.entries(value as object);
      return Object.fromEntries(pairs.map(([k, v]) => [String(k), likeDuck(v as JsonValue, type.value, true)]));
    }
    case 'bigint':
      return nested ? Number(value) : value; // DuckDB's to_json writes 64-bit integers as JSON numbers
    default:
      return value;
  }
}

describe('parquet-testing data/', () => {
  it('lists every file the corpus has', () => {
    expect(dataFiles.length).toBe(58);
    expect(badFiles.length).toBe(6);
  });

  for (const file of dataFiles) {
    const path = join(DATA, file);
    it(file, async () => {
      if (CORRUPT_CHECKSUM.has(file)) {
        const info = await inspectParquet(source(path));
        await expect(readRows(path, info.schema)).rejects.toThrow(/page checksum mismatch .* the file is corrupt/);
        return;
      }
      const info = await inspectParquet(source(path));
      // Refused columns: exactly the expected ones, each refused on read with the contract's message.
      const expectedUnsupported = UNSUPPORTED[file] ?? {};
      expect(Object.fromEntries(info.unsupported.map((u) => [u.column, u.reason.slice(0, expectedUnsupported[u.column]?.length ?? 0)]))).toEqual(expectedUnsupported);
      for (const u of info.unsupported) {
        const declared = [field(u.column, parseGlueType(u.column === 'emptylist' ? 'array<float>' : 'float'))];
        if (u.column !== 'emptylist') await expect(readRows(path, declared)).rejects.toThrow(`${file}: unsupported: ${u.reason} in ${file}, column ${u.column}`);
      }
      if (file === 'int96_from_spark.parquet') {
        const micros = [1704141296123456n, 1704070800000000n, 253402225200000000n, 1735599600000000n, null, 9089380393200000000n];
        const got: (bigint | null)[] = [];
        for await (const batch of parquetReader.read(source(path), { schema: info.schema, batchRows: 100 })) {
          const data = batch.data.children[0]!;
          for (let i = 0; i < batch.numRows; i++) got.push(data.getValid(i) ? (data.values as BigInt64Array)[i]! : null);
        }
        expect(got).toEqual(micros);
        return;
      }
      if (info.schema.length === 0) return;
      const rows = await readRows(path, info.schema);
      expect(rows.length).toBe(info.rows);

      if (file.startsWith('byte_stream_split_extended')) {
        for (const f of info.schema.filter((c) => c.name.endsWith('_plain')))
          expect(rows.map((r) => r[f.name.replace('_plain', '_byte_stream_split')])).toEqual(rows.map((r) => r[f.name]));
        return;
      }
      if (file === 'map_no_value.parquet') {
        expect(rows.map((r) => r['my_map_no_v'])).toEqual(rows.map((r) => r['my_list']));
        expect(rows.map((r) => (r['my_map'] as { key: JsonValue }[]).map((p) => p.key))).toEqual(rows.map((r) => r['my_list']));
        return;
      }
      const expectCsv = join(DATA, file.replace('.parquet', '_expect.csv'));
      if (dataFiles.length && existsFile(expectCsv)) {
        const expected = parseCsv(readFileSync(expectCsv, 'utf8'));
        expect(rows.length).toBe(expected.length);
        rows.forEach((row, r) => info.schema.forEach((f, c) => expect(row[f.name] === null ? null : String(row[f.name]), `${f.name} row ${r + 1}`).toBe(expected[r]![c])));
        return;
      }
      const reference = file.startsWith('hadoop_lz4_compressed') ? join(DATA, file.replace('hadoop_lz4', 'lz4_raw')) : path;
      const theirs = await duckRows(reference, info.schema);
      expect(rows.map((row) => Object.fromEntries(info.schema.map((f) => [f.name, likeDuck(row[f.name]!, f.type)])))).toEqual(theirs);
    });
  }

  it('types columns as Spark does (spot checks)', async () => {
    const types = async (file: string) => Object.fromEntries((await inspectParquet(source(join(DATA, file)))).schema.map((f) => [f.name, formatGlueType(f.type)]));
    expect(await types('alltypes_plain.parquet')).toMatchObject({ timestamp_col: 'timestamp', string_col: 'binary', bigint_col: 'bigint' });
    expect(await types('fixed_length_decimal.parquet')).toEqual({ value: 'decimal(25,2)' });
    expect(await types('concatenated_gzip_members.parquet')).toEqual({ long_col: 'decimal(20,0)' });
    expect(await types('nested_maps.snappy.parquet')).toMatchObject({ a: 'map<string,map<int,boolean>>' });
    expect(Object.keys(DUCKDB_CANNOT).length).toBe(5);
  });
});

describe('parquet-testing bad_data/', () => {
  /** Declared types for columns the file types as NULL (Parquet's UNKNOWN), so that they are read at all. */
  const DECLARED: Record<string, Record<string, string>> = { 'ARROW-RS-GH-6229-LEVELS.parquet': { outer: 'array<struct<c:int>>' } };
  const script = `
    const [{ inspectParquet, parquetReader }, { fileSource }, { parseGlueType }, { field }, { statSync }] = await Promise.all([
      import('./local-runner/formats/parquet.ts'), import('./local-runner/stores/fixtures.ts'), import('./catalog/types.ts'), import('./catalog/schema.ts'), import('node:fs')]);
    const [path, declared] = [process.argv[1], JSON.parse(process.argv[2])];
    const object = fileSource(path, path.split('/').pop(), statSync(path).size);
    try {
      const info = await inspectParquet(object);
      const schema = [...info.schema, ...Object.entries(declared).map(([n, t]) => field(n, parseGlueType(t)))];
      let rows = 0;
      for await (const b of parquetReader.read(object, { schema, batchRows: 1024 })) rows += b.numRows;
      console.log(JSON.stringify({ ok: rows }));
    } catch (e) {
      console.log(JSON.stringify({ error: e.name, message: e.message }));
    }`;
  for (const file of badFiles) {
    it(file, async () => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, join(BAD, file), JSON.stringify(DECLARED[file] ?? {})], {
        cwd: join(import.meta.dirname, '../..'),
        timeout: 20_000,
        maxBuffer: 1 << 20,
        env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=1024' },
      });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { ok?: number; error?: string; message?: string };
      if (file === 'ARROW-GH-43605.parquet') {
        // Not corrupt: a one-entry dictionary needs 0 bits per index. Go's reader crashed on it;
        // arrow-rs and DuckDB read it, as gluekit does: 21186 rows, all 0.
        expect(result).toEqual({ ok: 21186 });
        return;
      }
      expect(result.error).toBe('FormatError');
      expect(result.message).toMatch(new RegExp(`^${file.replaceAll('.', '\\.')}: `));
    });
  }

  it('ARROW-GH-43605.parquet holds 21186 zeros, as DuckDB reads it', async () => {
    const path = join(BAD, 'ARROW-GH-43605.parquet');
    const rows = await readRows(path, (await inspectParquet(source(path))).schema);
    expect(new Set(rows.map((r) => r['min_fl']))).toEqual(new Set([0]));
  });
});

function existsFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The corpus's expect files: a header, then comma-separated fields, optionally quoted; an empty unquoted field is null. */
function parseCsv(text: string): (string | null)[][] {
  const lines = text.split('\n').filter((l) => l.length > 0).slice(1);
  return lines.map((line) => {
    const out: (string | null)[] = [];
    let i = 0;
    while (i <= line.length) {
      if (line[i] === '"') {
        const end = line.indexOf('"', i + 1);
        out.push(line.slice(i + 1, end));
        i = end + 2;
      } else {
        const end = line.indexOf(',', i) < 0 ? line.length : line.indexOf(',', i);
        const raw = line.slice(i, end);
        out.push(raw === '' ? null : raw);
        i = end + 1;
      }
    }
    return out;
  });
}

// Keep FormatError referenced for readers of this file: bad_data results are checked by its name.
void FormatError;
