// Compares Parquet readers for Node: gluekit's reader (parquet-wasm + apache-arrow),
// parquetjs-lite, @dsnp/parquetjs and hyparquet (with hyparquet-compressors).
// Run: node --import tsx bench/parquet-readers.mjs [--rows 2000000] [--runs 3]
// Prints, per reader: how many files of fixtures/parquet-testing/data it reads whole,
// whether decimals, microsecond timestamps and INT96 values come out exact, and the
// time to read a generated orders-like file into columns. Results: docs/parquet.md.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import * as dsnp from '@dsnp/parquetjs';
import { asyncBufferFromFile, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import lite from 'parquetjs-lite';
import { parseGlueType } from '../catalog/types.ts';
import { field } from '../catalog/schema.ts';
import { inspectParquet, parquetReader } from '../local-runner/formats/parquet.ts';
import { fileSource } from '../local-runner/stores/fixtures.ts';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('rows', 2_000_000);
const RUNS = arg('runs', 3);
const CORPUS = join(import.meta.dirname, '../fixtures/parquet-testing/data');
const tmp = mkdtempSync(join(tmpdir(), 'gluekit-bench-parquet-'));

const source = (path) => fileSource(path, path.split('/').pop(), statSync(path).size);

/** Each reader: all rows of all (or the named) columns, as { column: values[] }. */
const readers = {
  'gluekit (parquet-wasm 0.8.0 + apache-arrow 21.2.0)': async (path, columns) => {
    const info = await inspectParquet(source(path));
    if (info.unsupported.length > 0 && !columns) throw new Error(`refused: ${info.unsupported.map((u) => `${u.column} (${u.reason})`).join(', ')}`);
    const schema = columns ? info.schema.filter((f) => columns.includes(f.name)) : info.schema;
    const out = Object.fromEntries(schema.map((f) => [f.name, []]));
    for await (const batch of parquetReader.read(source(path), { schema, batchRows: 65_536 })) {
      schema.forEach((f, i) => out[f.name].push(batch.data.children[i]));
    }
    out.__schema = schema;
    return out;
  },
  'parquetjs-lite 0.8.7': (path, columns) => cursorColumns(lite.ParquetReader, path, columns),
  '@dsnp/parquetjs 1.8.9': (path, columns) => cursorColumns(dsnp.ParquetReader, path, columns),
  'hyparquet 1.31.5 (+ hyparquet-compressors 1.1.2)': async (path, columns) => {
    const file = await asyncBufferFromFile(path);
    const out = {};
    await parquetRead({
      file,
      compressors,
      ...(columns && { columns }),
      onChunk: ({ columnName, columnData }) => (out[columnName] ??= []).push(columnData),
    });
    return out;
  },
};

async function cursorColumns(Reader, path, columns) {
  const reader = await Reader.openFile(path);
  try {
    const cursor = columns ? reader.getCursor(columns) : reader.getCursor();
    const out = {};
    let row;
    while ((row = await cursor.next())) for (const [k, v] of Object.entries(row)) (out[k] ??= []).push(v);
    // One chunk per column, like the other readers' lists of chunks.
    return Object.fromEntries(Object.entries(out).map(([k, values]) => [k, [values]]));
  } finally {
    await reader.close();
  }
}

const withTimeout = (promise, ms) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);

// 1. The corpus.
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.parquet')).sort();
const corpus = {};
for (const [name, read] of Object.entries(readers)) {
  const failed = [];
  for (const f of files) {
    try {
      await withTimeout(read(join(CORPUS, f)), 20_000);
    } catch (e) {
      failed.push(`${f}: ${String(e?.message ?? e).split('\n')[0].slice(0, 100)}`);
    }
  }
  corpus[name] = { read: files.length - failed.length, failed };
}

// 2. Exactness: decimals (12 and 38 digits), microsecond timestamps, INT96 beyond 2262.
const duck = await (await DuckDBInstance.create(':memory:')).connect();
const exactPath = join(tmp, 'exact.parquet');
await duck.run(`COPY (SELECT * FROM (VALUES
  (1234567890.12::DECIMAL(12,2), 123456789012345678901234567890123456.78::DECIMAL(38,2), TIMESTAMPTZ '2024-01-01 20:34:56.123456+00'),
  (-0.01::DECIMAL(12,2), -0.01::DECIMAL(38,2), TIMESTAMPTZ '1969-12-31 23:59:59.999999+00')) t(d12, d38, ts)) TO '${exactPath}' (FORMAT parquet)`);
const expected = {
  d12: ['1234567890.12', '-0.01'],
  d38: ['123456789012345678901234567890123456.78', '-0.01'],
  ts: [1704141296123456n, -1n],
  int96: [1704141296123456n, 1704070800000000n, 253402225200000000n, 1735599600000000n, null, 9089380393200000000n],
};

/** A reader's value as decimal text with `scale` digits, or a word saying why not. */
function decimalText(v, scale) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return v.toFixed(scale);
  if (v instanceof Uint8Array) return 'raw bytes';
  return String(v);
}
/** A reader's timestamp value as microseconds, where it can be read as such. */
function micros(v) {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return BigInt(v.getTime()) * 1000n;
  if (typeof v === 'bigint') return v;
  return `${typeof v} ${v}`;
}
function verdict(got, want) {
  if (typeof got === 'string' && got.startsWith('error')) return got;
  const ok = got.every((g, i) => g === want[i]);
  if (ok) return 'exact';
  if (got.includes('raw bytes')) return 'raw bytes, not decoded';
  return `wrong: ${got.map(String).join(', ')}`;
}

const exactness = {};
for (const [name, read] of Object.entries(readers)) {
  const result = {};
  try {
    const cols = await read(exactPath);
    if (cols.__schema) {
      const { valueAt } = await import('../local-runner/values.ts');
      const flat = (c, type) => cols[c].flatMap((d) => Array.from({ length: d.length }, (_, i) => valueAt(d, i, parseGlueType(type))));
      result.d12 = verdict(flat('d12', 'decimal(12,2)'), expected.d12);
      result.d38 = verdict(flat('d38', 'decimal(38,2)'), expected.d38);
      result.ts = verdict(cols.ts.flatMap((d) => Array.from(d.values.subarray(0, d.length))), expected.ts);
    } else {
      const flat = (c) => cols[c].flat();
      result.d12 = verdict(flat('d12').map((v) => decimalText(v, 2)), expected.d12);
      result.d38 = verdict(flat('d38').map((v) => decimalText(v, 2)), expected.d38);
      result.ts = verdict(flat('ts').map(micros), expected.ts);
    }
  } catch (e) {
    result.d12 = result.d38 = result.ts = `error: ${String(e?.message ?? e).slice(0, 80)}`;
  }
  try {
    const path = join(CORPUS, 'int96_from_spark.parquet');
    const cols = await read(path);
    const values = cols.__schema ? cols.a.flatMap((d) => Array.from({ length: d.length }, (_, i) => (d.getValid(i) ? d.values[i] : null))) : cols.a.flat().map(micros);
    result.int96 = verdict(values.length === 6 ? values : [...values, ...Array(6 - values.length).fill(undefined)], expected.int96);
  } catch (e) {
    result.int96 = `error: ${String(e?.message ?? e).slice(0, 80)}`;
  }
  exactness[name] = result;
}

// 3. Speed: an orders-like file (bigint, decimal(12,2), timestamp, string) read into columns.
const ordersPath = join(tmp, 'orders.parquet');
await duck.run(`COPY (SELECT i::BIGINT order_id, ((i * 7919) % 100000000 / 100.0)::DECIMAL(12,2) amount,
  make_timestamp(1704067200000000 + i * 1234567)::TIMESTAMPTZ order_ts,
  'customer-' || (i % 50000)::VARCHAR customer FROM range(0, ${ROWS}) t(i)) TO '${ordersPath}' (FORMAT parquet, COMPRESSION snappy)`);
const noDecimalPath = join(tmp, 'orders-no-decimal.parquet');
await duck.run(`COPY (SELECT order_id, order_ts, customer FROM read_parquet('${ordersPath}')) TO '${noDecimalPath}' (FORMAT parquet, COMPRESSION snappy)`);

async function timeRead(read, path) {
  const times = [];
  let rows = 0;
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now();
    const cols = await read(path);
    times.push(performance.now() - start);
    const first = Object.keys(cols).find((k) => k !== '__schema');
    rows = cols[first].reduce((n, c) => n + c.length, 0);
  }
  times.sort((a, b) => a - b);
  return { ms: Math.round(times[Math.floor(times.length / 2)]), rows };
}

const speed = {};
for (const [name, read] of Object.entries(readers)) {
  const entry = {};
  for (const [label, path] of [['orders', ordersPath], ['ordersNoDecimal', noDecimalPath]]) {
    try {
      const { ms, rows } = await timeRead(read, path);
      entry[label] = rows === ROWS ? `${ms} ms` : `read ${rows} of ${ROWS} rows`;
    } catch (e) {
      entry[label] = `fails: ${String(e?.message ?? e).slice(0, 80)}`;
    }
  }
  speed[name] = entry;
}

console.log(JSON.stringify({ node: process.version, rows: ROWS, runs: RUNS, fileBytes: statSync(ordersPath).size, corpusFiles: files.length, corpus, exactness, speed }, null, 2));
duck.closeSync();
rmSync(tmp, { recursive: true, force: true });
