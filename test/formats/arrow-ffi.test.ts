/**
 * arrow-ffi.ts against apache-arrow's own IPC reader: for every corpus file parquet-wasm
 * decodes whole, the columns copied out through the C Data Interface equal, type and
 * values, the ones that went through Arrow IPC; and sliced arrays (an offset on the
 * batch, on a child, at any bit position) come out as the rows they stand for.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeVector, tableFromIPC, type Data } from 'apache-arrow';
import * as wasm from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { importColumns, importSchema } from '../../local-runner/formats/arrow-ffi.js';

const DATA = join(import.meta.dirname, '../../fixtures/parquet-testing/data');
const files = readdirSync(DATA).filter((f) => f.endsWith('.parquet')).sort();

/** Every value of a column as JSON text (bigints as strings, bytes as arrays), null where null. */
function plain(data: Data): string {
  const vector = makeVector(data);
  const values = Array.from({ length: vector.length }, (_, i) => vector.get(i));
  return JSON.stringify(values, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array || v instanceof Uint32Array ? [...v] : v?.toJSON && !(v instanceof Array) ? v.toJSON() : v));
}

function viaIpc(bytes: Uint8Array, batchSize: number): { type: string; values: string }[][] {
  return tableFromIPC(wasm.readParquet(bytes, { batchSize }).intoIPCStream()).batches.map((b) => b.data.children.map((c) => ({ type: String(c.type), values: plain(c) })));
}

function viaFfi(bytes: Uint8Array, batchSize: number): { type: string; values: string }[][] | undefined {
  const stream = wasm.readParquet(bytes, { batchSize }).intoFFI();
  try {
    const fields = importSchema(wasm.wasmMemory(), stream.schemaAddr());
    if (!fields) return undefined;
    return Array.from({ length: stream.numArrays() }, (_, i) => importColumns(wasm.wasmMemory(), stream.arrayAddr(i), fields).columns.map((c) => ({ type: String(c.type), values: plain(c) })));
  } finally {
    stream.free();
  }
}

describe('Arrow C Data Interface import', () => {
  it('gives the same columns as Arrow IPC for every corpus file parquet-wasm decodes whole', () => {
    let compared = 0;
    const fellBack: string[] = [];
    for (const file of files) {
      const bytes = readFileSync(join(DATA, file));
      let expected;
      try {
        expected = viaIpc(bytes, 7); // small batches: several per file, and arrow-rs slices
      } catch {
        continue; // files parquet-wasm cannot decode as they are: parquet-corpus.test.ts covers gluekit's reading of them
      }
      const actual = viaFfi(bytes, 7);
      if (!actual) {
        fellBack.push(file);
        continue;
      }
      // IPC gives an empty file one empty batch, the C interface none: compare the batches with rows.
      const withRows = (batches: { values: string }[][]) => batches.filter((b) => b.some((c) => c.values !== '[]'));
      expect(withRows(actual), file).toEqual(withRows(expected));
      compared++;
    }
    console.log(`C interface: ${compared} files compared; IPC fallback: ${fellBack.join(", ")}`);
    expect(compared).toBeGreaterThan(30);
    // Layouts left to the IPC path: dictionaries, views, 256-bit decimals, half floats, large offsets.
    expect(fellBack.length).toBeLessThan(compared);
  });

  it('imports a slice of a batch: offsets on the batch and on nested children', () => {
    const bytes = readFileSync(join(DATA, 'nested_lists.snappy.parquet'));
    const whole = viaIpc(bytes, 1024).flat();
    const sliced = viaFfi(bytes, 1)!; // one row per batch: every batch after the first is an offset into the decoded arrays
    const rows = sliced.length;
    expect(rows).toBeGreaterThan(1);
    for (const [c, column] of whole.entries()) {
      const values = JSON.parse(column.values);
      for (let r = 0; r < rows; r++) expect(JSON.parse(sliced[r]![c]!.values)).toEqual([values[r]]);
    }
  });
});
