/**
 * Runs a SparkSQL node's query on DuckDB over the node's input batches, and returns
 * the result as batches of the declared schema.
 *
 * The bridge is Parquet, in a private temporary directory that is always removed:
 * @duckdb/node-api has no Arrow interface, and handing values over one by one costs
 * 0.6-1.5 s per 2M rows (measured), while gluekit's Parquet writer and reader move whole
 * columns. Each input node is written once (uncompressed) and shown to DuckDB as a view
 * named by its alias (two aliases of one node share the file); the translated query
 * (spark-to-duckdb.ts) is copied into a result file, which is read back in the types
 * Spark gives the result columns and then cast to the declared types with Spark's cast,
 * exactly as the generated Glue script does (`.select(F.col(c).cast(declared))`).
 *
 * Timestamps: Spark's TIMESTAMP is an instant, and gluekit's Parquet files say so
 * (isAdjustedToUTC), which DuckDB reads as TIMESTAMPTZ. The views turn them into plain
 * TIMESTAMP holding the UTC wall-clock time (the session time zone is pinned to UTC, so
 * the conversion is exact to the microsecond): DuckDB's functions then extract fields and
 * truncate in UTC without depending on its time zone setting, as Spark does with Glue's
 * UTC session time zone.
 *
 * Errors: a kernel function's error (Spark's runtime errors under ANSI mode) is rethrown
 * as it was raised; errors the SQL raises itself carry Spark's error class and become
 * SparkRuntimeErrors; DuckDB's overflow errors say how Spark would differ.
 */
import {
  BIGINT,
  BLOB,
  BOOLEAN,
  DATE,
  DECIMAL,
  DOUBLE,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBScalarFunction,
  DuckDBTimestampValue,
  FLOAT,
  INTEGER,
  SMALLINT,
  TIMESTAMP,
  TINYINT,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBVector,
} from '@duckdb/node-api';
import type { Data, RecordBatch } from 'apache-arrow';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toArrowType } from '../../catalog/arrow.js';
import type { Schema } from '../../catalog/schema.js';
import { formatGlueType, t, typesEqual, type GlueType } from '../../catalog/types.js';
import { closest } from '../../core/did-you-mean.js';
import { arithmetic } from '../../kernels/arithmetic.js';
import { columnAt, makeBatch } from '../../kernels/batches.js';
import { castColumn } from '../../kernels/cast.js';
import { allValid, boolAt, bytesAt, decimalAt, fixedData, isValid, setDecimal, setNull, stringAt, stringData } from '../../kernels/columns.js';
import { SparkRuntimeError, type KernelContext } from '../../kernels/context.js';
import { fitsPrecision, pow10Big, rescaleHalfUp } from '../../kernels/decimal.js';
import { roundDoubleHalfUp } from '../../kernels/functions.js';
import { nullData } from '../../kernels/selection.js';
import { inspectParquet, parquetReader, parquetWriter } from '../formats/parquet.js';
import { fileSource } from '../stores/fixtures.js';
import { DUCKDB_MACROS, duckdbType, quoteIdent, quoteString, translateSparkSql, type KernelCall, type Translation } from './spark-to-duckdb.js';

export interface SparkSqlInput {
  /** The input node's id. */
  readonly id: string;
  readonly schema: Schema;
  readonly batches: AsyncIterable<RecordBatch>;
}

export interface SparkSqlRun {
  /** The SparkSQL node's id, for messages. */
  readonly node: string;
  readonly query: string;
  /** Every alias and the input node it names. */
  readonly aliases: readonly { readonly alias: string; readonly id: string }[];
  /** One entry per input node. */
  readonly inputs: readonly SparkSqlInput[];
  /** The node's declared output schema. */
  readonly declared: Schema;
  readonly ctx: KernelContext;
  /** Rows per output batch (default 65,536). */
  readonly batchRows?: number;
  /**
   * Columns an input node dropped at run time (DropNullFields), known once its rows are
   * read: Glue's DataFrame no longer has them, so neither has the query's table.
   */
  readonly droppedColumns?: (id: string) => readonly string[] | undefined;
  /** Where the private temporary directory is made (default: the system's). */
  readonly tempParent?: string;
}

/** The query's result as batches of the declared schema, in the query's row order. */
export async function* runSparkSql(run: SparkSqlRun): AsyncIterable<RecordBatch> {
  let schemas = new Map(run.inputs.map((i) => [i.id, i.schema]));
  const translate = () => translateSparkSql(run.query, { node: run.node, ansi: run.ctx.ansi, tables: run.aliases.map(({ alias, id }) => ({ alias, schema: schemas.get(id)! })) });
  // Translated and checked before any row is read, so that a refused query fails fast;
  // only an input that may drop columns at run time can still make a mismatch right.
  let translation = translate();
  let sources: number[] = [];
  let mismatch: unknown;
  try {
    sources = declaredSources(translation, run.declared, run.node);
  } catch (e) {
    if (!run.droppedColumns) throw e;
    mismatch = e;
  }

  const dir = await mkdtemp(join(run.tempParent ?? tmpdir(), 'gluekit-sql-'));
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  const raised: { error?: unknown } = {};
  try {
    const files = new Map<string, string>();
    for (const input of run.inputs) {
      const file = join(dir, `input-${files.size}.parquet`);
      await writeFile(file, parquetWriter.write(input.batches, { schema: input.schema, compression: 'uncompressed' }));
      files.set(input.id, file);
    }
    const dropped = run.inputs.filter((i) => (run.droppedColumns?.(i.id) ?? []).length > 0);
    if (dropped.length > 0) {
      schemas = new Map(run.inputs.map((i) => [i.id, i.schema.filter((f) => !(run.droppedColumns?.(i.id) ?? []).includes(f.name))]));
      translation = translate();
      sources = declaredSources(translation, run.declared, run.node);
    } else if (mismatch !== undefined) {
      throw mismatch;
    }
    // No extension may be fetched or loaded behind the run's back, and what DuckDB spills
    // to disk (an in-memory database spills to ./.tmp by default) stays in the private directory.
    instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      temp_directory: join(dir, 'spill'),
    });
    connection = await instance.connect();
    await connection.run(`SET TimeZone = 'UTC'`);
    for (const macro of DUCKDB_MACROS) await connection.run(macro);
    for (const call of translation.kernels) registerKernel(connection, call, run.ctx, raised);
    for (const { alias, id } of run.aliases) await connection.run(viewSql(alias, files.get(id)!, schemas.get(id)!));

    const out = join(dir, 'result.parquet');
    try {
      await connection.run(`COPY (${translation.sql}) TO ${quoteString(out)} (FORMAT PARQUET, COMPRESSION 'uncompressed')`);
    } catch (e) {
      throw runError(e, raised, run);
    }
    yield* readResult(out, translation, sources, run);
  } finally {
    connection?.closeSync();
    instance?.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A view of an input file under the alias, with timestamps as UTC wall-clock TIMESTAMP. */
function viewSql(alias: string, file: string, schema: Schema): string {
  const columns = schema.map((f) => (f.type.kind === 'timestamp' ? `CAST(${quoteIdent(f.name)} AS TIMESTAMP) AS ${quoteIdent(f.name)}` : quoteIdent(f.name)));
  return `CREATE VIEW ${quoteIdent(alias)} AS SELECT ${columns.length > 0 ? columns.join(', ') : '*'} FROM read_parquet(${quoteString(file)})`;
}

/**
 * For each declared column, the result column it is cast from. Names match as Spark's
 * `F.col(name)` matches them (ignoring case); every result column must be declared, and
 * every declared column returned.
 */
function declaredSources(translation: Translation, declared: Schema, node: string): number[] {
  const result = translation.schema;
  const names = result.map((c) => c.name);
  for (const [i, c] of result.entries()) {
    const twin = result.findIndex((o, j) => j > i && o.name.toLowerCase() === c.name.toLowerCase());
    if (twin >= 0) throw new Error(`the query returns two columns named ${c.name}; give them different names with AS (node "${node}")`);
  }
  const sources = declared.map((f) => {
    const at = result.findIndex((c) => c.name.toLowerCase() === f.name.toLowerCase());
    if (at < 0) {
      const near = closest(f.name, names);
      throw new Error(`declared column ${f.name} is not in the query's result${near ? ` (did you mean ${near}?)` : ''}; the query returns ${names.join(', ')} (node "${node}")`);
    }
    return at;
  });
  for (const [i, c] of result.entries()) {
    if (!sources.includes(i)) throw new Error(`the query returns column ${c.name}, which the declared schema does not have; declare it or leave it out of the query (node "${node}")`);
  }
  return sources;
}

async function* readResult(file: string, translation: Translation, sources: readonly number[], run: SparkSqlRun): AsyncIterable<RecordBatch> {
  const object = fileSource(file, `the result of SparkSQL node "${run.node}"`, (await stat(file)).size);
  // The file holds the types the translator gave DuckDB, which are Spark's; a difference is a translator bug.
  const written = (await inspectParquet(object)).schema;
  const expected = translation.schema.map((c) => ({ name: c.name, type: c.type.kind === 'null' ? t.int() : c.type }));
  const mismatch = expected.find((c, i) => !written[i] || !typesEqual(written[i]!.type, c.type));
  if (written.length !== expected.length || mismatch) {
    throw new Error(`internal error: DuckDB returned ${written.map((f) => `${f.name} ${formatGlueType(f.type)}`).join(', ')} where the translation expects ${expected.map((c) => `${c.name} ${formatGlueType(c.type)}`).join(', ')} (node "${run.node}")`);
  }
  const readSchema = written.map((f, i) => ({ ...f, name: written[i]!.name, type: expected[i]!.type }));
  for await (const batch of parquetReader.read(object, { schema: readSchema, batchRows: run.batchRows ?? 65_536 })) {
    const columns = run.declared.map((f, i) => {
      const from = translation.schema[sources[i]!]!.type;
      // An untyped NULL column is NULL in any type.
      if (from.kind === 'null') return nullData(toArrowType(f.type), batch.numRows);
      return castColumn(columnAt(batch, sources[i]!), from, f.type, run.ctx);
    });
    yield makeBatch(run.declared, columns, batch.numRows);
  }
}

/** A failed query as the error Spark would raise, or with what DuckDB said and why Spark would differ. */
function runError(e: unknown, raised: { error?: unknown }, run: SparkSqlRun): unknown {
  if (raised.error !== undefined) return raised.error;
  const message = e instanceof Error ? e.message : String(e);
  const detail = message.replace(/^[A-Za-z ]+ Error: /, '');
  const sparkClass = /^\[([A-Z_.]+)\] ([\s\S]*)$/.exec(detail);
  if (sparkClass) return new SparkRuntimeError(sparkClass[1]!, sparkClass[2]!);
  if (detail.startsWith('unsupported in local SparkSQL:')) return new Error(detail);
  const overflow = /^(Out of Range|Conversion) Error/.exec(message);
  if (overflow) {
    if (run.ctx.ansi) return new SparkRuntimeError(overflow[1] === 'Conversion' ? 'CAST_OVERFLOW' : 'ARITHMETIC_OVERFLOW', `${detail} (as computed by DuckDB)`);
    return new Error(`${detail}: an overflow, where Spark with ANSI mode off does not fail (it wraps around, saturates or gives NULL); the local runner stops instead (node "${run.node}")`);
  }
  return new Error(`DuckDB failed to run the translated query: ${message} (node "${run.node}")`);
}

// ---------------------------------------------------------------------------
// Kernel functions
// ---------------------------------------------------------------------------

/** What a kernel call computes, on Arrow columns of its argument types. */
type KernelBody = (args: readonly Data[], rows: number) => Data;

function registerKernel(connection: DuckDBConnection, call: KernelCall, ctx: KernelContext, raised: { error?: unknown }): void {
  const body = kernelBody(call, ctx);
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: call.name,
      returnType: duckdbTypeOf(call.returns),
      parameterTypes: call.args.map(duckdbTypeOf),
      mainFunction: (info, input, output) => {
        try {
          const rows = input.rowCount;
          const args = call.args.map((type, i) => fromDuckDB(input.getColumnVector(i), type, rows));
          toDuckDB(body(args, rows), call.returns, output, rows);
        } catch (e) {
          // Kept to rethrow as raised: DuckDB only passes the message on.
          raised.error ??= e;
          info.setError(e instanceof Error ? e.message : String(e));
        }
      },
    }),
  );
}

function kernelBody(call: KernelCall, ctx: KernelContext): KernelBody {
  const op = call.op;
  switch (op.kind) {
    case 'cast':
      return ([x]) => castColumn(x!, call.args[0]!, call.returns, ctx);
    case 'decimal':
      return ([l, r], rows) => arithmetic(op.op, { data: l!, type: call.args[0]!, scalar: false }, { data: r!, type: call.args[1]!, scalar: false }, call.returns, rows, ctx).data;
    case 'avg':
      return ([sums, counts], rows) => averages(sums!, counts!, call.args[0]!, call.returns, rows, ctx);
    case 'upper':
    case 'lower': {
      // JavaScript's case mapping is Unicode's full mapping without locale, as Java's toUpperCase/toLowerCase outside Turkish and Lithuanian locales.
      const map = op.kind === 'upper' ? (s: string) => s.toUpperCase() : (s: string) => s.toLowerCase();
      return ([x], rows) => stringData(toArrowType(t.string()), Array.from({ length: rows }, (_, i) => (isValid(x!, i) ? map(stringAt(x!, i)) : null)));
    }
    case 'round':
      return ([x], rows) => {
        const values = new Float64Array(rows);
        const source = x!.values as Float64Array;
        for (let i = 0; i < rows; i++) values[i] = roundDoubleHalfUp(source[i]!, op.places);
        return fixedData(toArrowType(t.double()), values, rows, validityOf(x!, rows));
      };
  }
}

/** Spark's QUOTIENT_SCALE for avg of decimals: the sum divided by the count to 38 places, HALF_UP. */
const QUOTIENT_SCALE = 38;

/**
 * avg of DECIMAL(p,s) from its exact sum and count, as Spark finishes Average
 * (kernels/aggregates.ts does the same for the Aggregate transform): the quotient rounded
 * HALF_UP to 38 places, then HALF_UP to the result scale; a result beyond the result
 * precision is NULL with ANSI off, NUMERIC_VALUE_OUT_OF_RANGE with it on.
 */
function averages(sums: Data, counts: Data, sumType: GlueType, result: GlueType, rows: number, ctx: KernelContext): Data {
  const { scale: sumScale } = sumType as { scale: number };
  const { precision, scale } = result as { precision: number; scale: number };
  const words = new Uint32Array(rows * 4);
  const bitmap = allValid(rows);
  const countValues = counts.values as BigInt64Array;
  for (let i = 0; i < rows; i++) {
    const count = countValues[i]!;
    if (!isValid(sums, i) || !isValid(counts, i) || count === 0n) {
      setNull(bitmap, i);
      continue;
    }
    const numerator = decimalAt(sums, i) * pow10Big(QUOTIENT_SCALE - sumScale);
    let quotient = numerator / count;
    const remainder = numerator % count;
    if ((remainder < 0n ? -remainder : remainder) * 2n >= count) quotient += numerator < 0n ? -1n : 1n;
    const value = rescaleHalfUp(quotient, QUOTIENT_SCALE, scale);
    if (fitsPrecision(value, precision)) {
      setDecimal(words, i, value);
      continue;
    }
    if (ctx.ansi) throw new SparkRuntimeError('NUMERIC_VALUE_OUT_OF_RANGE', `the average cannot be represented as Decimal(${precision}, ${scale}). If necessary set "spark.sql.ansi.enabled" to "false" to bypass this error, and return NULL instead.`);
    setNull(bitmap, i);
  }
  return fixedData(toArrowType(result), words, rows, bitmap);
}

function validityOf(data: Data, rows: number): Uint8Array | undefined {
  if (data.nullCount === 0) return undefined;
  const bitmap = allValid(rows);
  for (let i = 0; i < rows; i++) if (!isValid(data, i)) setNull(bitmap, i);
  return bitmap;
}

function duckdbTypeOf(type: GlueType): DuckDBType {
  switch (type.kind) {
    case 'boolean':
      return BOOLEAN;
    case 'tinyint':
      return TINYINT;
    case 'smallint':
      return SMALLINT;
    case 'int':
      return INTEGER;
    case 'bigint':
      return BIGINT;
    case 'float':
      return FLOAT;
    case 'double':
      return DOUBLE;
    case 'decimal':
      return DECIMAL(type.precision, type.scale);
    case 'string':
    case 'char':
    case 'varchar':
      return VARCHAR;
    case 'binary':
      return BLOB;
    case 'date':
      return DATE;
    case 'timestamp':
      return TIMESTAMP;
    default:
      throw new Error(`internal error: no DuckDB kernel type for ${formatGlueType(type)} (${duckdbType(type)})`);
  }
}

/** A DuckDB vector as an Arrow column of a primitive type. */
function fromDuckDB(vector: DuckDBVector, type: GlueType, rows: number): Data {
  const item = (i: number): unknown => vector.getItem(i);
  const arrow = toArrowType(type);
  if (type.kind === 'string' || type.kind === 'char' || type.kind === 'varchar') {
    return stringData(arrow, Array.from({ length: rows }, (_, i) => item(i) as string | null));
  }
  if (type.kind === 'binary') {
    return stringData(arrow, Array.from({ length: rows }, (_, i) => (item(i) as DuckDBBlobValue | null)?.bytes ?? null));
  }
  const bitmap = allValid(rows);
  const fill = <T>(values: { [i: number]: T }, read: (v: unknown) => T) => {
    for (let i = 0; i < rows; i++) {
      const v = item(i);
      if (v === null) setNull(bitmap, i);
      else values[i] = read(v);
    }
  };
  let values: ArrayBufferView;
  switch (type.kind) {
    case 'boolean': {
      const bits = new Uint8Array((rows + 7) >> 3);
      for (let i = 0; i < rows; i++) {
        const v = item(i);
        if (v === null) setNull(bitmap, i);
        else if (v) bits[i >> 3]! |= 1 << (i & 7);
      }
      values = bits;
      break;
    }
    case 'tinyint':
      fill((values = new Int8Array(rows)) as Int8Array, Number);
      break;
    case 'smallint':
      fill((values = new Int16Array(rows)) as Int16Array, Number);
      break;
    case 'int':
      fill((values = new Int32Array(rows)) as Int32Array, Number);
      break;
    case 'date':
      fill((values = new Int32Array(rows)) as Int32Array, (v) => (v as DuckDBDateValue).days);
      break;
    case 'bigint':
      fill((values = new BigInt64Array(rows)) as BigInt64Array, (v) => BigInt(v as bigint));
      break;
    case 'timestamp':
      fill((values = new BigInt64Array(rows)) as BigInt64Array, (v) => (v as DuckDBTimestampValue).micros);
      break;
    case 'float':
      fill((values = new Float32Array(rows)) as Float32Array, Number);
      break;
    case 'double':
      fill((values = new Float64Array(rows)) as Float64Array, Number);
      break;
    case 'decimal': {
      const words = new Uint32Array(rows * 4);
      for (let i = 0; i < rows; i++) {
        const v = item(i) as DuckDBDecimalValue | null;
        if (v === null) setNull(bitmap, i);
        else setDecimal(words, i, v.value);
      }
      values = words;
      break;
    }
    default:
      throw new Error(`internal error: no DuckDB kernel type for ${formatGlueType(type)}`);
  }
  return fixedData(arrow, values, rows, bitmap);
}

/** An Arrow column of a primitive type written into a DuckDB output vector. */
function toDuckDB(data: Data, type: GlueType, output: DuckDBVector, rows: number): void {
  const out = output as unknown as { setItem(i: number, value: unknown): void; flush(): void };
  const value = (i: number): unknown => {
    switch (type.kind) {
      case 'string':
      case 'char':
      case 'varchar':
        return stringAt(data, i);
      case 'binary':
        return new DuckDBBlobValue(bytesAt(data, i).slice());
      case 'boolean':
        return boolAt(data, i);
      case 'date':
        return new DuckDBDateValue((data.values as Int32Array)[i]!);
      case 'timestamp':
        return new DuckDBTimestampValue((data.values as BigInt64Array)[i]!);
      case 'decimal':
        return new DuckDBDecimalValue(decimalAt(data, i), type.precision, type.scale);
      default:
        return (data.values as unknown as ArrayLike<unknown>)[i];
    }
  };
  for (let i = 0; i < rows; i++) out.setItem(i, isValid(data, i) ? value(i) : null);
  out.flush();
}
