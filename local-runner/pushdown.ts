/**
 * Predicate pushdown: from a Filter's condition over a source's columns, a test that
 * says, given a block's min/max statistics (a Parquet row group), whether any row of the
 * block could pass. False means the block is skipped without being read.
 *
 * The test is conservative: anything it cannot decide (functions, arithmetic, LIKE,
 * casts, a column without statistics, a literal of another type) counts as "may pass".
 * It only ever skips blocks the Filter would have emptied, so results never change;
 * only the work does.
 */
import type { Schema } from '../catalog/schema.js';
import type { GlueType } from '../catalog/types.js';
import type { ExprNode } from '../expr/expr.js';
import { isValidDate } from '../expr/typecheck.js';
import type { ColumnStatistics } from './formats/format.js';

type Stat = { readonly min?: unknown; readonly max?: unknown; readonly nullCount?: number };

/** A test for blocks, or undefined when nothing in the condition can rule a block out. */
export function statisticsTest(where: ExprNode, schema: Schema): ((stats: ColumnStatistics) => boolean) | undefined {
  const types = new Map(schema.map((f) => [f.name, f.type]));
  if (!usesStatistics(where, types)) return undefined;
  return (stats) => possible(where, stats, types);
}

function usesStatistics(e: ExprNode, types: ReadonlyMap<string, GlueType>): boolean {
  switch (e.kind) {
    case 'and':
    case 'or':
      return e.args.some((a) => usesStatistics(a, types));
    case 'compare':
      return (e.left.kind === 'col' && types.has(e.left.name)) || (e.right.kind === 'col' && types.has(e.right.name));
    case 'in':
    case 'between':
    case 'isNull':
      return e.arg.kind === 'col' && types.has(e.arg.name);
    default:
      return false;
  }
}

const FLIP: Record<string, string> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** False only when no row of the block can make `e` true. */
function possible(e: ExprNode, stats: ColumnStatistics, types: ReadonlyMap<string, GlueType>): boolean {
  switch (e.kind) {
    case 'and':
      return e.args.every((a) => possible(a, stats, types));
    case 'or':
      return e.args.some((a) => possible(a, stats, types));
    case 'compare': {
      const [column, literal, op] =
        e.left.kind === 'col' ? [e.left, e.right, e.op] : e.right.kind === 'col' ? [e.right, e.left, FLIP[e.op]!] : [undefined, undefined, ''];
      if (!column || column.kind !== 'col') return true;
      const range = bounds(column.name, stats, types);
      const value = range && literalValue(literal!, range.type);
      if (!range || value === undefined) return true;
      const low = range.compare(value, range.min);
      const high = range.compare(value, range.max);
      switch (op) {
        case '=':
          return low >= 0 && high <= 0;
        case '<>':
          return !(low === 0 && high === 0);
        case '<':
          return low > 0; // some value below v exists only if min < v
        case '<=':
          return low >= 0;
        case '>':
          return high < 0;
        case '>=':
          return high <= 0;
        default:
          return true;
      }
    }
    case 'in': {
      if (e.arg.kind !== 'col' || e.negated) return true;
      const range = bounds(e.arg.name, stats, types);
      if (!range) return true;
      return e.values.some((v) => {
        const value = literalValue(v, range.type);
        return value === undefined || (range.compare(value, range.min) >= 0 && range.compare(value, range.max) <= 0);
      });
    }
    case 'between': {
      if (e.arg.kind !== 'col') return true;
      const range = bounds(e.arg.name, stats, types);
      const low = range && literalValue(e.low, range.type);
      const high = range && literalValue(e.high, range.type);
      if (!range || low === undefined || high === undefined) return true;
      return range.compare(high, range.min) >= 0 && range.compare(low, range.max) <= 0;
    }
    case 'isNull': {
      if (e.arg.kind !== 'col' || e.negated) return true;
      const stat = stats.get(e.arg.name) as Stat | undefined;
      return stat?.nullCount === undefined || stat.nullCount > 0;
    }
    default:
      return true;
  }
}

interface Range {
  readonly type: GlueType;
  readonly min: unknown;
  readonly max: unknown;
  compare(a: unknown, b: unknown): number;
}

function bounds(name: string, stats: ColumnStatistics, types: ReadonlyMap<string, GlueType>): Range | undefined {
  const stat = stats.get(name) as Stat | undefined;
  const type = types.get(name);
  if (!stat || !type || stat.min === undefined || stat.max === undefined) return undefined;
  const compare = comparator(type);
  return compare && { type, min: stat.min, max: stat.max, compare };
}

const utf8 = new TextEncoder();

function comparator(type: GlueType): ((a: unknown, b: unknown) => number) | undefined {
  switch (type.kind) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'date':
    case 'float':
    case 'double':
      return (a, b) => (a as number) - (b as number);
    case 'bigint':
    case 'timestamp':
      return (a, b) => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0);
    case 'decimal':
      return (a, b) => {
        const [x, y] = [scaled(a as string, type.scale), scaled(b as string, type.scale)];
        return x < y ? -1 : x > y ? 1 : 0;
      };
    case 'string':
    case 'char':
    case 'varchar':
      // Spark orders strings by code point: the order of their UTF-8 bytes.
      return (a, b) => Buffer.compare(utf8.encode(a as string), utf8.encode(b as string));
    case 'boolean':
      return (a, b) => Number(a) - Number(b);
    default:
      return undefined;
  }
}

/** Decimal text as an integer of `scale` fraction digits; extra digits compare exactly through a wider scale. */
function scaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace(/^[+-]/, '').split('.');
  const digits = BigInt(whole + fraction.padEnd(scale + 6, '0').slice(0, scale + 6));
  return negative ? -digits : digits;
}

/** A literal in the statistics' representation of `type`, or undefined when it cannot be compared safely. */
function literalValue(e: ExprNode, type: GlueType): unknown {
  if (e.kind !== 'lit' || e.value === null) return undefined;
  const v = e.value;
  switch (type.kind) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'float':
    case 'double':
      return typeof v === 'number' ? v : e.type === 'bigint' || e.type === 'decimal' ? Number(v) : undefined;
    case 'bigint':
      return e.type === 'int' ? BigInt(v as number) : e.type === 'bigint' ? BigInt(v as string) : undefined;
    case 'decimal':
      return e.type === 'int' || e.type === 'bigint' || e.type === 'decimal' ? String(v) : undefined;
    case 'string':
    case 'char':
    case 'varchar':
      return e.type === 'string' ? v : undefined;
    case 'boolean':
      return e.type === 'boolean' ? v : undefined;
    case 'date':
      return (e.type === 'date' || e.type === 'string') && typeof v === 'string' && isValidDate(v) ? daysOf(v) : undefined;
    case 'timestamp':
      return (e.type === 'timestamp' || e.type === 'string') && typeof v === 'string' && isValidDate(v) ? microsOf(v) : undefined;
    default:
      return undefined;
  }
}

function daysOf(text: string): number {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number);
  return Date.UTC(y!, m! - 1, d!) / 86_400_000;
}

/** 'yyyy-mm-dd[ T]hh:mm[:ss[.ffffff]]' in UTC (the session time zone) as microseconds. */
function microsOf(text: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(text)!;
  const seconds = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)) / 1000;
  return BigInt(seconds) * 1_000_000n + BigInt((m[7] ?? '').padEnd(6, '0') || '0');
}
