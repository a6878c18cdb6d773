// How decoded Parquet leaves WebAssembly: parquet-wasm's Arrow IPC export (serialised in
// WebAssembly, parsed again by apache-arrow) against the Arrow C Data Interface import
// gluekit uses (local-runner/formats/arrow-ffi.ts: one copy per buffer).
// Run: node --import tsx bench/parquet-export.mjs [--rows 2000000] [--runs 10]
// DuckDB writes an orders-like file (the runner benchmark's six columns, snappy); each
// round decodes every row group both ways, alternating, so load hits both alike. Prints
// the minimum and median per way and their ratio. Results: docs/parquet.md.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import * as wasm from 'parquet-wasm';
import { importColumns, importSchema } from '../local-runner/formats/arrow-ffi.ts';
import { fetchChunks, readFooter, rowGroupFile } from '../local-runner/formats/parquet-footer.ts';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('rows', 2_000_000);
const RUNS = arg('runs', 10);
const tmp = mkdtempSync(join(tmpdir(), 'gluekit-bench-export-'));
try {
  const path = join(tmp, 'orders.parquet');
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run(`COPY (SELECT i AS order_id, CASE WHEN i % 200 = 0 THEN NULL ELSE i % 120000 END AS customer_id,
      TIMESTAMP '2023-10-01' + to_microseconds(i * 19) AS order_ts, ['PAID','SHIPPED','PENDING','CANCELLED'][1 + i % 4] AS status,
      CAST((i % 100000) / 100.0 AS DECIMAL(12,2)) AS amount, ['EUR','USD','GBP'][1 + i % 3] AS currency
    FROM range(0, ${ROWS}) t(i)) TO '${path}' (FORMAT parquet, COMPRESSION snappy)`);
  const bytes = readFileSync(path);
  const blob = new Blob([bytes]);
  const footer = await readFooter(blob, bytes.length);
  const columns = footer.columns.map((_, i) => i);
  const leaves = columns.flatMap((c) => footer.columns[c].leaves);
  const files = [];
  for (let g = 0; g < footer.rowGroups.length; g++) files.push(rowGroupFile(footer, columns, { index: g, chunks: await fetchChunks(blob, footer, g, leaves) }));
  const options = { batchSize: 65_536 };
  const ways = {
    'Arrow IPC (intoIPCStream + tableFromIPC)': () => {
      for (const file of files) tableFromIPC(wasm.readParquet(file, options).intoIPCStream()).batches.forEach((b) => b.data.children);
    },
    'C Data Interface (intoFFI + arrow-ffi.ts)': () => {
      for (const file of files) {
        const stream = wasm.readParquet(file, options).intoFFI();
        const fields = importSchema(wasm.wasmMemory(), stream.schemaAddr());
        for (let i = 0; i < stream.numArrays(); i++) importColumns(wasm.wasmMemory(), stream.arrayAddr(i), fields);
        stream.free();
      }
    },
  };
  const times = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  for (const run of Object.values(ways)) run(); // warm-up
  for (let r = 0; r < RUNS; r++) {
    for (const [name, run] of Object.entries(ways)) {
      const started = performance.now();
      run();
      times[name].push(performance.now() - started);
    }
  }
  console.log(`${ROWS.toLocaleString('en')} rows, ${files.length} row groups, 6 columns; ${RUNS} alternating rounds`);
  const stats = Object.entries(times).map(([name, t]) => {
    t.sort((a, b) => a - b);
    return { name, min: t[0], median: t[Math.floor(t.length / 2)] };
  });
  for (const s of stats) console.log(`${s.name.padEnd(44)} min ${s.min.toFixed(0).padStart(5)} ms  median ${s.median.toFixed(0).padStart(5)} ms`);
  console.log(`C interface / IPC: ${(stats[1].min / stats[0].min).toFixed(2)} (min), ${(stats[1].median / stats[0].median).toFixed(2)} (median)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
