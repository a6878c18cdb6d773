/**
 * Test helpers for kernels: columns and batches from plain JavaScript values, and back.
 * Values are written the way people read them: decimals as digit strings, 64-bit integers
 * as bigints, dates as 'yyyy-mm-dd', timestamps as 'yyyy-mm-dd hh:mm:ss[.fraction]' (UTC,
 * printed as Spark's cast to string prints them), null (or a missing key) for NULL.
 */
import { makeData, makeVector, Vector, vectorFromArray, type Data, type RecordBatch } from 'apache-arrow';
import { toArrowType } from '../../catalog/arrow.js';
import { resolveSchema, type Schema, type SchemaInput } from '../../catalog/schema.js';
import type { GlueType } from '../../catalog/types.js';
import { ProblemList } from '../../core/problems.js';
import { makeBatch } from '../../kernels/batches.js';
import { allValid, boolAt, decimalAt, encodeUtf8, fixedData, isValid, setDecimal, setNull, stringAt, stringData } from '../../kernels/columns.js';
import { formatDate, formatTimestamp, parseDate, parseTimestamp } from '../../kernels/datetime.js';
import { formatDecimal } from '../../kernels/decimal.js';

export function schemaOf(input: SchemaInput): Schema {
  const problems = new ProblemList();
  const schema = resolveSchema(input, problems.at('schema'));
  if (!schema) throw new Error(`bad test schema: ${JSON.stringify(problems.items)}`);
  return schema;
}

/** A column of `type` in its canonical layout. */
export function column(type: GlueType, values: readonly unknown[]): Data {
  const n = values.length;
  const arrow = toArrowType(type);
  const validity = allValid(n);
  values.forEach((v, i) => (v === null || v === undefined) && setNull(validity, i));
  const fixed = (array: ArrayBufferView) => fixedData(arrow, array, n, validity);
  const each = <T>(f: (v: unknown) => T, zero: T): T[] => values.map((v) => (v === null || v === undefined ? zero : f(v)));
  switch (type.kind) {
    case 'boolean': {
      const bits = new Uint8Array((n + 7) >> 3);
      values.forEach((v, i) => v === true && (bits[i >> 3]! |= 1 << (i & 7)));
      return fixed(bits);
    }
    case 'tinyint':
      return fixed(Int8Array.from(each(Number, 0)));
    case 'smallint':
      return fixed(Int16Array.from(each(Number, 0)));
    case 'int':
      return fixed(Int32Array.from(each(Number, 0)));
    case 'bigint':
      return fixed(BigInt64Array.from(each((v) => BigInt(v as string), 0n)));
    case 'float':
      return fixed(Float32Array.from(each(Number, 0)));
    case 'double':
      return fixed(Float64Array.from(each(Number, 0)));
    case 'decimal': {
      const words = new Uint32Array(n * 4);
      values.forEach((v, i) => {
        if (v === null || v === undefined) return;
        const [whole, fraction = ''] = String(v).split('.');
        setDecimal(words, i, BigInt(whole! + fraction.padEnd(type.scale, '0')));
      });
      return fixed(words);
    }
    case 'string':
    case 'char':
    case 'varchar':
    case 'binary':
      return stringData(arrow, values as (string | null)[]);
    case 'date':
      return fixed(Int32Array.from(each((v) => parseDate(encodeUtf8(String(v)), 0, String(v).length), 0)));
    case 'timestamp':
      return fixed(BigInt64Array.from(each((v) => BigInt(parseTimestamp(encodeUtf8(String(v)), 0, encodeUtf8(String(v)).length)!), 0n)));
    case 'struct': {
      const children = type.fields.map((f) => column(f.type, values.map((v) => (v as Record<string, unknown> | null)?.[f.name] ?? null)));
      const nulls = values.filter((v) => v === null || v === undefined).length;
      return makeData({ type: arrow, length: n, nullCount: nulls, nullBitmap: nulls > 0 ? validity : undefined, children } as never);
    }
    case 'array': {
      const offsets = new Int32Array(n + 1);
      const items: unknown[] = [];
      values.forEach((v, i) => {
        if (Array.isArray(v)) items.push(...v);
        offsets[i + 1] = items.length;
      });
      const child = column(type.element, items);
      const nulls = values.filter((v) => v === null || v === undefined).length;
      return makeData({ type: arrow, length: n, nullCount: nulls, nullBitmap: nulls > 0 ? validity : undefined, valueOffsets: offsets, child } as never);
    }
    default:
      return vectorFromArray(values as unknown[], arrow as never).data[0]!;
  }
}

/** A batch from rows (objects keyed by column name; a missing key is NULL). */
export function batchOf(input: SchemaInput, rows: readonly Record<string, unknown>[]): { batch: RecordBatch; schema: Schema } {
  const schema = schemaOf(input);
  const columns = schema.map((f) => column(f.type, rows.map((r) => r[f.name] ?? null)));
  return { batch: makeBatch(schema, columns, rows.length), schema };
}

/** The values of a column as plain JavaScript (the inverse of `column`). */
export function valuesOf(data: Data, type: GlueType): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < data.length; i++) out.push(isValid(data, i) ? valueAt(data, type, i) : null);
  return out;
}

function valueAt(data: Data, type: GlueType, i: number): unknown {
  switch (type.kind) {
    case 'boolean':
      return boolAt(data, i);
    case 'bigint':
      return (data.values as BigInt64Array)[i]!;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'float':
    case 'double':
      return (data.values as unknown as ArrayLike<number>)[i]!;
    case 'decimal':
      return formatDecimal(decimalAt(data, i), type.scale, true);
    case 'string':
    case 'char':
    case 'varchar':
      return stringAt(data, i);
    case 'date':
      return formatDate((data.values as Int32Array)[i]!);
    case 'timestamp':
      return formatTimestamp((data.values as BigInt64Array)[i]!);
    default:
      return plain(makeVector(data).get(i));
  }
}

/** apache-arrow's nested values (Vector, StructRow, MapRow) as plain arrays and objects. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Vector) return [...value].map(plain);
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  const json = (value as { toJSON(): Record<string, unknown> }).toJSON();
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, plain(v)]));
}

/** A deterministic pseudo-random sequence (xorshift), so failures reproduce. */
export function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
