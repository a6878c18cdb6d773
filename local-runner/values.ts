/**
 * Arrow values as plain JSON values, for `gluekit preview --json`, run reports and the
 * testing API. Nothing is rounded: decimals and 64-bit integers become strings of their
 * exact digits, timestamps ISO 8601 with microseconds in UTC (`2024-01-31T10:00:00.000000Z`),
 * dates `yyyy-mm-dd`, binary base64. Columns are read straight from their buffers.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import type { Schema } from '../catalog/schema.js';
import type { GlueType } from '../catalog/types.js';
import { columnAt } from '../kernels/batches.js';
import { boolAt, bytesAt, decimalAt, isValid, stringAt } from '../kernels/columns.js';
import { formatDate as formatSparkDate } from '../kernels/datetime.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MICROS_PER_DAY = 86_400_000_000n;

/** Days since 1970-01-01 as yyyy-mm-dd (proleptic Gregorian, as Spark 3+; years past 9999 as +yyyyy). */
export function formatDate(days: number): string {
  return formatSparkDate(days);
}

/** Microseconds since the epoch as ISO 8601 UTC with six fraction digits, for any year Spark holds. */
export function formatTimestamp(micros: bigint): string {
  const days = micros >= 0n ? micros / MICROS_PER_DAY : -((-micros + MICROS_PER_DAY - 1n) / MICROS_PER_DAY);
  const inDay = micros - days * MICROS_PER_DAY;
  const seconds = Number(inDay / 1_000_000n);
  const fraction = (inDay % 1_000_000n).toString().padStart(6, '0');
  const hh = String(Math.floor(seconds / 3600)).padStart(2, '0');
  const mm = String(Math.floor((seconds % 3600) / 60)).padStart(2, '0');
  const ss = String(seconds % 60).padStart(2, '0');
  return `${formatDate(Number(days))}T${hh}:${mm}:${ss}.${fraction}Z`;
}

/** An unscaled decimal with `scale` fraction digits, as text: 1250n, 2 -> "12.50". */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Value `i` of a column of Glue type `type`, as JSON. */
export function valueAt(data: Data, i: number, type: GlueType): JsonValue {
  if (!isValid(data, i)) return null;
  switch (type.kind) {
    case 'boolean':
      return boolAt(data, i);
    case 'tinyint':
    case 'smallint':
    case 'int':
      return (data.values as Int32Array)[i]!;
    case 'float':
    case 'double': {
      const v = (data.values as Float64Array)[i]!;
      return Number.isFinite(v) ? v : String(v);
    }
    case 'bigint':
      return (data.values as BigInt64Array)[i]!.toString();
    case 'decimal':
      return formatDecimal(decimalAt(data, i), type.scale);
    case 'string':
    case 'char':
    case 'varchar':
      return stringAt(data, i);
    case 'binary':
      return Buffer.from(bytesAt(data, i)).toString('base64');
    case 'date':
      return formatDate((data.values as Int32Array)[i]!);
    case 'timestamp':
      return formatTimestamp((data.values as BigInt64Array)[i]!);
    case 'array': {
      const offsets = data.valueOffsets as Int32Array;
      const child = data.children[0]!;
      const out: JsonValue[] = [];
      for (let j = offsets[i]!; j < offsets[i + 1]!; j++) out.push(valueAt(child, j, type.element));
      return out;
    }
    case 'struct': {
      const out: { [key: string]: JsonValue } = {};
      type.fields.forEach((f, j) => (out[f.name] = valueAt(data.children[j]!, i, f.type)));
      return out;
    }
    case 'map': {
      const offsets = data.valueOffsets as Int32Array;
      const entries = data.children[0]!;
      const [keys, values] = [entries.children[0]!, entries.children[1]!];
      const pairs: [JsonValue, JsonValue][] = [];
      for (let j = offsets[i]!; j < offsets[i + 1]!; j++) pairs.push([valueAt(keys, j, type.key), valueAt(values, j, type.value)]);
      // String keys read best as an object; other keys keep their type as [key, value] pairs.
      return pairs.every(([k]) => typeof k === 'string') ? Object.fromEntries(pairs) : pairs.map(([key, value]) => ({ key, value }));
    }
    case 'null':
      return null;
  }
}

/** The rows of a batch as objects keyed by column name. */
export function batchRows(batch: RecordBatch, schema: Schema): { [column: string]: JsonValue }[] {
  const columns = schema.map((_, c) => columnAt(batch, c));
  const rows: { [column: string]: JsonValue }[] = [];
  for (let r = 0; r < batch.numRows; r++) {
    const row: { [column: string]: JsonValue } = {};
    schema.forEach((f, c) => (row[f.name] = valueAt(columns[c]!, r, f.type)));
    rows.push(row);
  }
  return rows;
}
