/**
 * The testing API for vitest (or any test runner): run a job on rows written in the
 * test, or on a fixtures directory, and compare each sink's rows with the expected ones.
 *
 *   const result = await runLocally(job, { inputs: { orders: [{ order_id: 1, amount: '12.50' }] } });
 *   expectRows(result.outputs.revenue_out, [{ order_date: '2024-01-31', revenue: '12.50' }]);
 *
 * Rows given in a test go through the same path as a JSON Lines fixture (text, then
 * Spark's cast to the declared type), so `'12.50'`, `12.5` and `'2024-01-31'` mean what
 * they would in a file. Outputs compare as JSON values (valueAt), ignoring row order.
 */
import { Table, type RecordBatch } from 'apache-arrow';
import { isDeepStrictEqual } from 'node:util';
import type { Schema } from '../catalog/schema.js';
import { fromArrowSchema } from '../catalog/arrow.js';
import { columnAt, makeBatch } from '../kernels/batches.js';
import { castColumn } from '../kernels/cast.js';
import type { KernelContext } from '../kernels/context.js';
import type { JobDefinition } from '../jobs/define.js';
import { isJobIR, type JobIR } from '../jobs/ir.js';
import { buildJob } from '../jobs/validate.js';
import { kernelContext, runJob } from './executor.js';
import type { KeyProvider } from './cse/kms.js';
import { jsonReader } from './formats/json.js';
import { runReport, type RunReport } from './report.js';
import { FixtureStore } from './stores/fixtures.js';
import { MemoryStaging, memorySource } from './stores/memory.js';
import { batchRows, type JsonValue } from './values.js';
import { textLayoutOf } from './text-layout-type.js';

export type Row = Readonly<Record<string, unknown>>;

export interface LocalTestOptions {
  /** Rows per source id, replacing what the fixtures directory would give that source. */
  readonly inputs?: Readonly<Record<string, readonly Row[]>>;
  /** A fixtures directory for the sources not given in `inputs`. */
  readonly fixtures?: string;
  readonly batchRows?: number;
  /** Keys for client-side encrypted sources: a LocalKeystore (LocalKeystore.open(file)). */
  readonly keys?: KeyProvider;
}

export interface LocalTestResult {
  /** Each sink's rows, by sink id. */
  readonly outputs: Readonly<Record<string, Table>>;
  readonly report: RunReport;
}

/** Runs a job (a definition, validated first, or its IR) locally and returns its sinks' rows. */
export async function runLocally(job: JobDefinition | JobIR, options: LocalTestOptions = {}): Promise<LocalTestResult> {
  const ir: JobIR = isJobIR(job) ? job : buildJob(job);
  const ctx = kernelContext(ir);
  const inputs: Record<string, RecordBatch[]> = {};
  for (const [id, rows] of Object.entries(options.inputs ?? {})) {
    const node = ir.nodes.find((n) => n.id === id && n.role === 'source');
    if (!node) throw new Error(`inputs.${id}: the job has no source "${id}"`);
    inputs[id] = await rowsToBatches(rows, node.schema, ctx, `inputs.${id}`, options.batchRows);
  }
  const result = await runJob(ir, {
    store: new FixtureStore(options.fixtures ?? '.'),
    staging: new MemoryStaging(),
    inputs,
    collect: true,
    ...(options.batchRows !== undefined && { batchRows: options.batchRows }),
    ...(options.keys && { keys: options.keys }),
  });
  return { outputs: Object.fromEntries(result.outputs), report: runReport(result, undefined, ir) };
}

/** Rows written in a test, as batches of `schema`: through JSON Lines text and Spark's cast. */
export async function rowsToBatches(rows: readonly Row[], schema: Schema, ctx: KernelContext, name: string, batchRows = 65_536): Promise<RecordBatch[]> {
  const text = rows.map((row) => JSON.stringify(row, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))).join('\n');
  const object = memorySource(name, new TextEncoder().encode(text));
  const batches: RecordBatch[] = [];
  for await (const batch of jsonReader.read(object, { schema, batchRows })) {
    const columns = schema.map((f, i) => castColumn(columnAt(batch, i), textLayoutOf(f.type), f.type, ctx));
    batches.push(makeBatch(schema, columns, batch.numRows));
  }
  return batches;
}

/** A table's rows as JSON values (decimals and 64-bit integers as strings, ISO timestamps). */
export function tableRows(table: Table): { [column: string]: JsonValue }[] {
  const { schema } = fromArrowSchema(table.schema);
  return table.batches.flatMap((b) => batchRows(b, schema));
}

export interface RowComparison {
  readonly pass: boolean;
  readonly message: string;
}

/**
 * Compares a table's rows with expected rows, ignoring order. Expected rows are read
 * with the table's schema first, so `12.5` matches a decimal(12,2) `12.50`.
 */
export async function compareRows(actual: Table, expected: readonly Row[]): Promise<RowComparison> {
  const { schema } = fromArrowSchema(actual.schema);
  const got = tableRows(actual);
  const wantBatches = await rowsToBatches(expected, schema, { ansi: true }, 'expected rows');
  const want = wantBatches.flatMap((b) => batchRows(b, schema));
  const unmatched = [...got];
  const missing: JsonValue[] = [];
  for (const row of want) {
    const i = unmatched.findIndex((r) => isDeepStrictEqual(r, row));
    if (i >= 0) unmatched.splice(i, 1);
    else missing.push(row);
  }
  if (missing.length === 0 && unmatched.length === 0) return { pass: true, message: `${got.length} rows match` };
  const show = (rows: JsonValue[]) => rows.slice(0, 20).map((r) => `    ${JSON.stringify(r)}`).join('\n') + (rows.length > 20 ? `\n    … ${rows.length - 20} more` : '');
  const parts = [`expected ${want.length} rows, got ${got.length}; they differ (order ignored):`];
  if (missing.length > 0) parts.push(`  missing (expected, not produced):\n${show(missing)}`);
  if (unmatched.length > 0) parts.push(`  unexpected (produced, not expected):\n${show(unmatched)}`);
  return { pass: false, message: parts.join('\n') };
}

/** Throws an Error with a row-level diff unless the table holds exactly the expected rows. */
export async function expectRows(actual: Table | undefined, expected: readonly Row[]): Promise<void> {
  if (!actual) throw new Error('expectRows: no table (is the sink id right?)');
  const result = await compareRows(actual, expected);
  if (!result.pass) throw new Error(result.message);
}

/**
 * A vitest/jest matcher: `expect.extend({ toMatchRows })`, then
 * `await expect(table).toMatchRows([...])`.
 */
export async function toMatchRows(this: unknown, actual: Table, expected: readonly Row[]): Promise<{ pass: boolean; message: () => string }> {
  if (!(actual instanceof Table)) return { pass: false, message: () => 'toMatchRows expects an Arrow Table (an output of runLocally)' };
  const result = await compareRows(actual, expected);
  return { pass: result.pass, message: () => result.message };
}
