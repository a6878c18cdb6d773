/**
 * A Parquet row group's footer statistics as the runner's ColumnStatistics: min, max and
 * null count per column, in canonical JS values of the column's declared Glue type:
 *
 * | declared type | min / max |
 * | --- | --- |
 * | boolean | boolean |
 * | tinyint, smallint, int, date | number (dates as days since 1970-01-01) |
 * | bigint, timestamp | bigint (timestamps as microseconds since the epoch, UTC) |
 * | float, double | number |
 * | decimal(p,s) | string: the decimal's text with exactly s fraction digits, e.g. "-12.50" |
 * | string, char, varchar | string |
 * | binary | Uint8Array |
 *
 * Only top-level columns of primitive types get statistics. The bounds are bounds, not
 * necessarily values: writers may truncate strings (a shorter min, an incremented max),
 * and converting to the declared type rounds the min down and the max up (nanoseconds to
 * microseconds, a decimal to fewer fraction digits). Statistics that cannot be trusted
 * are left out, never guessed: the deprecated min/max fields for anything whose order is
 * not signed (strings, unsigned integers, byte-array decimals: parquet-mr compared them
 * wrongly), min_value/max_value when the file has no ColumnOrders (the spec says to
 * ignore them then), NaN bounds, and INT96 (no defined order).
 */
import type { Schema } from '../../catalog/schema.js';
import type { GlueType } from '../../catalog/types.js';
import { decimalText } from './conform.js';
import type { ColumnStatistics } from './format.js';
import { CONVERTED, PHYSICAL, type ParquetFooter, type SchemaNode } from './parquet-footer.js';
import type { ThriftStruct } from './thrift-compact.js';

type Stat = { min?: unknown; max?: unknown; nullCount?: number };

/** File-side meaning of a leaf's statistics bytes. */
type Kind =
  | { k: 'bool' }
  | { k: 'int'; bits: 32 | 64; unsigned: boolean }
  | { k: 'float'; bits: 32 | 64 }
  | { k: 'decimal'; scale: number; encoding: 'int32' | 'int64' | 'bytes' }
  | { k: 'date' }
  | { k: 'timestamp'; perMicro: number; microsPer: number }
  | { k: 'string' }
  | { k: 'binary' };

export function rowGroupStatistics(footer: ParquetFooter, group: number, schema: Schema, columns: number[]): ColumnStatistics {
  const out = new Map<string, Stat>();
  schema.forEach((f, i) => {
    const node = footer.columns[columns[i]!]!;
    if (node.children.length > 0) return;
    const chunk = footer.rowGroups[group]!.chunks[node.leaves[0]!]!;
    const stats = chunk.statistics;
    if (!stats) return;
    const stat: Stat = {};
    const nullCount = stats.get(3)?.value;
    if (typeof nullCount === 'bigint' && nullCount >= 0n) stat.nullCount = Number(nullCount);
    const kind = kindOf(node);
    if (kind) {
      const modern = footer.typeDefinedOrder && (stats.has(5) || stats.has(6));
      const legacyOk = !modern && signedOrder(kind);
      const minBytes = modern ? bytes(stats, 6) : legacyOk ? bytes(stats, 2) : undefined;
      const maxBytes = modern ? bytes(stats, 5) : legacyOk ? bytes(stats, 1) : undefined;
      const min = minBytes && toDeclared(decode(minBytes, kind), kind, f.type, 'down');
      const max = maxBytes && toDeclared(decode(maxBytes, kind), kind, f.type, 'up');
      if (min !== undefined && max !== undefined) {
        stat.min = min;
        stat.max = max;
      }
    }
    out.set(f.name, stat);
  });
  return out;
}

const bytes = (s: ThriftStruct, id: number): Uint8Array | undefined => {
  const v = s.get(id)?.value;
  return v instanceof Uint8Array ? v : undefined;
};

function signedOrder(kind: Kind): boolean {
  if (kind.k === 'int') return !kind.unsigned;
  if (kind.k === 'decimal') return kind.encoding !== 'bytes';
  return kind.k === 'bool' || kind.k === 'float' || kind.k === 'date' || kind.k === 'timestamp';
}

function kindOf(node: SchemaNode): Kind | undefined {
  const e = node.element;
  const num = (id: number): number | undefined => {
    const v = e.get(id)?.value;
    return typeof v === 'number' ? v : undefined;
  };
  const converted = num(6);
  const logical = e.get(10)?.value as ThriftStruct | undefined;
  const logicalId = logical instanceof Map ? [...logical.keys()][0] : undefined;
  const logicalBody = logicalId !== undefined ? (logical!.get(logicalId)!.value as ThriftStruct) : undefined;
  if (logicalId === 5 || converted === CONVERTED.decimal) {
    const scale = (logicalBody instanceof Map ? (logicalBody.get(1)?.value as number | undefined) : undefined) ?? num(7) ?? 0;
    const encoding = node.physical === PHYSICAL.int32 ? 'int32' : node.physical === PHYSICAL.int64 ? 'int64' : 'bytes';
    return { k: 'decimal', scale, encoding };
  }
  switch (node.physical) {
    case PHYSICAL.boolean:
      return { k: 'bool' };
    case PHYSICAL.int32:
    case PHYSICAL.int64: {
      if (logicalId === 6 || converted === CONVERTED.date) return { k: 'date' };
      if (logicalId === 7 || (converted !== undefined && converted >= 7 && converted <= 8)) return undefined; // TIME
      const bits = node.physical === PHYSICAL.int32 ? 32 : 64;
      if (logicalId === 8 || converted === CONVERTED.timestampMillis || converted === CONVERTED.timestampMicros) {
        let unit = converted === CONVERTED.timestampMillis ? 1 : 2;
        if (logicalBody instanceof Map) {
          const u = logicalBody.get(2)?.value;
          if (u instanceof Map) unit = [...u.keys()][0] ?? 2;
        }
        return unit === 1 ? { k: 'timestamp', perMicro: 1, microsPer: 1000 } : unit === 3 ? { k: 'timestamp', perMicro: 1000, microsPer: 1 } : { k: 'timestamp', perMicro: 1, microsPer: 1 };
      }
      let unsigned = converted !== undefined && converted >= CONVERTED.uint8 && converted <= CONVERTED.uint64;
      if (logicalId === 10 && logicalBody instanceof Map) unsigned = logicalBody.get(2)?.value === false;
      return { k: 'int', bits, unsigned };
    }
    case PHYSICAL.float:
      return { k: 'float', bits: 32 };
    case PHYSICAL.double:
      return { k: 'float', bits: 64 };
    case PHYSICAL.byteArray:
      return logicalId === 1 || logicalId === 4 || logicalId === 12 || converted === CONVERTED.utf8 || converted === 4 || converted === 19 ? { k: 'string' } : { k: 'binary' };
    case PHYSICAL.fixedLenByteArray:
      return logicalId === 15 ? undefined : { k: 'binary' };
    default:
      return undefined;
  }
}

type FileValue = boolean | number | bigint | Uint8Array | { unscaled: bigint; scale: number } | undefined;

function decode(b: Uint8Array, kind: Kind): FileValue {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (kind.k) {
    case 'bool':
      return b.length >= 1 ? b[0] !== 0 : undefined;
    case 'int':
    case 'date':
    case 'timestamp': {
      const bits = kind.k === 'int' ? kind.bits : kind.k === 'date' ? 32 : b.length === 4 ? 32 : 64;
      if (b.length !== bits / 8) return undefined;
      if (bits === 32) return kind.k === 'int' && kind.unsigned ? view.getUint32(0, true) : view.getInt32(0, true);
      return kind.k === 'int' && kind.unsigned ? view.getBigUint64(0, true) : view.getBigInt64(0, true);
    }
    case 'float': {
      if (b.length !== kind.bits / 8) return undefined;
      const v = kind.bits === 32 ? view.getFloat32(0, true) : view.getFloat64(0, true);
      return Number.isNaN(v) ? undefined : v;
    }
    case 'decimal': {
      if (kind.encoding === 'int32') return b.length === 4 ? { unscaled: BigInt(view.getInt32(0, true)), scale: kind.scale } : undefined;
      if (kind.encoding === 'int64') return b.length === 8 ? { unscaled: view.getBigInt64(0, true), scale: kind.scale } : undefined;
      if (b.length === 0 || b.length > 32) return undefined;
      let v = 0n;
      for (const x of b) v = (v << 8n) | BigInt(x);
      return { unscaled: BigInt.asIntN(b.length * 8, v), scale: kind.scale };
    }
    case 'string':
    case 'binary':
      return b;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function toDeclared(value: FileValue, kind: Kind, to: GlueType, round: 'down' | 'up'): unknown {
  if (value === undefined) return undefined;
  switch (to.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'tinyint':
    case 'smallint':
    case 'int':
      return kind.k === 'int' ? Number(value) : undefined;
    case 'bigint':
      return kind.k === 'int' ? BigInt(value as number | bigint) : undefined;
    case 'float':
    case 'double':
      return kind.k === 'float' || kind.k === 'int' ? Number(value) : undefined;
    case 'decimal': {
      let unscaled: bigint;
      let scale: number;
      if (kind.k === 'decimal') ({ unscaled, scale } = value as { unscaled: bigint; scale: number });
      else if (kind.k === 'int') [unscaled, scale] = [BigInt(value as number | bigint), 0];
      else return undefined;
      if (to.scale >= scale) return decimalText(unscaled * 10n ** BigInt(to.scale - scale), to.scale);
      const d = 10n ** BigInt(scale - to.scale);
      let q = unscaled / d;
      const r = unscaled % d;
      if (r !== 0n && (round === 'down') === unscaled < 0n) q += round === 'down' ? -1n : 1n;
      return decimalText(q, to.scale);
    }
    case 'string':
    case 'char':
    case 'varchar':
      if (kind.k !== 'string' && kind.k !== 'binary') return undefined;
      try {
        return utf8.decode(value as Uint8Array);
      } catch {
        return undefined; // a truncated bound may end inside a character
      }
    case 'binary':
      return kind.k === 'string' || kind.k === 'binary' ? value : undefined;
    case 'date':
      return kind.k === 'date' ? Number(value) : undefined;
    case 'timestamp': {
      if (kind.k !== 'timestamp') return undefined;
      const v = BigInt(value as number | bigint);
      if (kind.perMicro === 1) return v * BigInt(kind.microsPer);
      const per = BigInt(kind.perMicro);
      const q = v / per;
      const r = v % per;
      return r === 0n ? q : round === 'down' ? (v < 0n ? q - 1n : q) : v < 0n ? q : q + 1n;
    }
    default:
      return undefined;
  }
}
