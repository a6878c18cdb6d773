/**
 * Buffer helpers, JSON values and row keys on whole columns and on slices (apache-arrow
 * re-slices value buffers but keeps bit offsets; the helpers must agree with it).
 */
import { makeData, Bool, Decimal, Float64, Int32, Int64, List, Field, Struct, TimestampMicrosecond, Utf8, vectorFromArray, DateDay } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { t } from '../../catalog/types.js';
import { boolAt, bytesAt, decimalAt, isValid, setDecimal, stringAt } from '../../kernels/columns.js';
import { rowKeys } from '../../kernels/keys.js';
import { formatDecimal, formatTimestamp, valueAt } from '../../local-runner/values.js';

const data = <T>(values: T[], type: never) => vectorFromArray(values as never, type).data[0]!;

describe('column helpers on slices', () => {
  it('strings', () => {
    const d = data(['a', 'bb', null, 'dddd', 'é'], new Utf8() as never).slice(2, 3);
    expect([isValid(d, 0), isValid(d, 1), isValid(d, 2)]).toEqual([false, true, true]);
    expect(stringAt(d, 1)).toBe('dddd');
    expect(stringAt(d, 2)).toBe('é');
    expect(bytesAt(d, 2)).toEqual(new Uint8Array([0xc3, 0xa9]));
  });

  it('bools', () => {
    const d = data([true, false, true, null, false], new Bool() as never).slice(2, 3);
    expect([boolAt(d, 0), isValid(d, 1), boolAt(d, 2)]).toEqual([true, false, false]);
  });

  it('decimals', () => {
    const words = new Uint32Array(12);
    [5n, -12345678901234567890123456789n, 1250n].forEach((v, i) => setDecimal(words, i, v));
    const d = makeData({ type: new Decimal(2, 38, 128), length: 3, data: words } as never).slice(1, 2);
    expect(decimalAt(d, 0)).toBe(-12345678901234567890123456789n);
    expect(valueAt(d, 1, t.decimal(38, 2))).toBe('12.50');
  });
});

describe('JSON values', () => {
  it.each([
    [0n, '1970-01-01T00:00:00.000000Z'],
    [1_706_700_000_123_456n, '2024-01-31T11:20:00.123456Z'],
    [-1n, '1969-12-31T23:59:59.999999Z'],
    [-86_400_000_001n, '1969-12-30T23:59:59.999999Z'],
  ])('timestamp %s is %s', (micros, text) => expect(formatTimestamp(micros)).toBe(text));

  it.each([
    [1250n, 2, '12.50'],
    [-5n, 2, '-0.05'],
    [0n, 3, '0.000'],
    [42n, 0, '42'],
  ])('decimal %s scale %i is %s', (v, s, text) => expect(formatDecimal(v, s)).toBe(text));

  it('reads nested values of a slice', () => {
    const type = new List(new Field('element', new Int32(), true));
    const d = data([[1], null, [2, 3], []], type as never).slice(1, 3);
    expect([0, 1, 2].map((i) => valueAt(d, i, t.array(t.int())))).toEqual([null, [2, 3], []]);
    const st = new Struct([new Field('a', new Int64(), true), new Field('b', new Utf8(), true)]);
    const s = data([{ a: 1n, b: 'x' }, { a: 2n, b: null }], st as never).slice(1, 1);
    expect(valueAt(s, 0, t.struct({ a: t.bigint(), b: t.string() }))).toEqual({ a: '2', b: null });
    const ts = data([new Date('2024-01-31T00:00:00Z')], new TimestampMicrosecond('UTC') as never);
    expect(typeof valueAt(ts, 0, t.timestamp())).toBe('string');
    expect(valueAt(data([new Date('2024-01-31T00:00:00Z')], new DateDay() as never), 0, t.date())).toBe('2024-01-31');
  });
});

describe('row keys', () => {
  it('group NULLs together, mark them for joins, and treat NaN and -0.0 as Spark does', () => {
    const d = data([1.5, Number.NaN, -0, 0, null, Number.NaN], new Float64() as never);
    const { keys, hasNull } = rowKeys([d], [t.double()], 6);
    expect(keys[1]).toBe(keys[5]);
    expect(keys[2]).toBe(keys[3]);
    expect(keys[0]).not.toBe(keys[3]);
    expect(Array.from(hasNull)).toEqual([0, 0, 0, 0, 1, 0]);
  });

  it('key several columns without ambiguity', () => {
    const a = data(['a', 'a|b', null], new Utf8() as never);
    const b = data(['b|c', 'c', 'x'], new Utf8() as never);
    const { keys } = rowKeys([a, b], [t.string(), t.string()], 3);
    expect(new Set(keys).size).toBe(3);
  });

  it('key a sliced int column by its values', () => {
    const d = data([7, 8, 9, 8], new Int32() as never).slice(1, 3);
    expect(rowKeys([d], [t.int()], 3).keys).toEqual([8, 9, 8]);
  });
});

describe('64-bit row keys', () => {
  it('key equal values equally, whether they fit 2^53 or not, and keep distinct values apart', () => {
    const values = [0n, -1n, 2n ** 53n - 1n, -(2n ** 53n), 2n ** 62n, -(2n ** 62n), 2n ** 62n, -1n, 4294967296n, 1n];
    const d = vectorFromArray(values as never, new Int64() as never).data[0]!;
    const { keys } = rowKeys([d], [t.bigint()], values.length);
    expect(keys[4]).toBe(keys[6]);
    expect(keys[1]).toBe(keys[7]);
    expect(new Set(keys).size).toBe(8);
    expect(keys.slice(0, 4)).toEqual([0, -1, 2 ** 53 - 1, -(2 ** 53)]);
  });
});
