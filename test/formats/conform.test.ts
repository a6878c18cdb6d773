/**
 * conformColumn: every file layout of a compatible type becomes the declared type's
 * canonical layout, values exact; what does not fit or cannot mean the declared type is
 * a FormatError naming the object, the column and the row.
 */
import {
  Binary,
  DateMillisecond,
  Decimal,
  Dictionary,
  FixedSizeBinary,
  Float32,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeUtf8,
  List,
  Field,
  Null,
  Struct,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeData,
  vectorFromArray,
  type Data,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { isCanonical } from '../../catalog/arrow.js';
import { parseGlueType } from '../../catalog/types.js';
import { conformColumn } from '../../local-runner/formats/conform.js';
import { valueAt, type JsonValue } from '../../local-runner/values.js';

const where = { object: 'in.parquet', column: 'c' };

function conformed(data: Data, type: string): JsonValue[] {
  const glue = parseGlueType(type);
  const out = conformColumn(data, glue, where);
  expect(isCanonical(out.type, glue)).toBe(true);
  expect(out.offset).toBe(0);
  return Array.from({ length: out.length }, (_, i) => valueAt(out, i, glue));
}

const fixed = (type: never, values: ArrayBufferView, length: number, nullBitmap?: Uint8Array): Data =>
  makeData({ type, length, data: values, ...(nullBitmap && { nullBitmap, nullCount: -1 }) } as never);

describe('conformColumn', () => {
  it('turns seconds, milliseconds and nanoseconds into microseconds, flooring nanoseconds like Spark', () => {
    expect(conformed(fixed(new TimestampSecond() as never, BigInt64Array.of(0n, -1n, 253402300799n), 3), 'timestamp')).toEqual([
      '1970-01-01T00:00:00.000000Z', '1969-12-31T23:59:59.000000Z', '9999-12-31T23:59:59.000000Z']);
    expect(conformed(fixed(new TimestampMillisecond('+00:00') as never, BigInt64Array.of(1704141296123n, -1n), 2), 'timestamp')).toEqual([
      '2024-01-01T20:34:56.123000Z', '1969-12-31T23:59:59.999000Z']);
    expect(conformed(fixed(new TimestampNanosecond() as never, BigInt64Array.of(1999n, -1n, -1000n, -1001n, 9223372036854775807n), 5), 'timestamp')).toEqual([
      '1970-01-01T00:00:00.000001Z', '1969-12-31T23:59:59.999999Z', '1969-12-31T23:59:59.999999Z', '1969-12-31T23:59:59.999998Z', '2262-04-11T23:47:16.854775Z']);
  });

  it('refuses seconds that overflow microseconds, naming the row', () => {
    expect(() => conformColumn(fixed(new TimestampSecond() as never, BigInt64Array.of(0n, 9223372036854775n), 2), parseGlueType('timestamp'), { ...where, firstRow: 10 }))
      .toThrow('in.parquet: column c: value 9223372036854775 seconds at row 12 does not fit timestamp');
  });

  it('turns Date64 milliseconds into days, flooring before 1970', () => {
    expect(conformed(fixed(new DateMillisecond() as never, BigInt64Array.of(86_400_000n * 3n, -1n), 2), 'date')).toEqual(['1970-01-04', '1969-12-31']);
  });

  it('widens integers, signed and unsigned, and checks narrowing value by value', () => {
    expect(conformed(vectorFromArray([1, -2, null], new Int32()).data[0]!, 'bigint')).toEqual(['1', '-2', null]);
    expect(conformed(vectorFromArray([255, 0], new Uint8()).data[0]!, 'smallint')).toEqual([255, 0]);
    expect(conformed(fixed(new Uint32() as never, Uint32Array.of(4294967295), 1), 'bigint')).toEqual(['4294967295']);
    expect(conformed(vectorFromArray([100, -100], new Int32()).data[0]!, 'tinyint')).toEqual([100, -100]);
    expect(() => conformColumn(vectorFromArray([1, 300], new Int32()).data[0]!, parseGlueType('tinyint'), where)).toThrow('in.parquet: column c: value 300 at row 2 does not fit tinyint');
    expect(() => conformColumn(fixed(new Uint64() as never, BigUint64Array.of(2n ** 63n), 1), parseGlueType('bigint'), where)).toThrow('value 9223372036854775808 at row 1 does not fit bigint');
    expect(conformed(vectorFromArray([1, 2], new Int8()).data[0]!, 'double')).toEqual([1, 2]);
    expect(conformed(vectorFromArray([1.5], new Float32()).data[0]!, 'double')).toEqual([1.5]);
  });

  it('reads UINT64 as decimal(20,0), as Spark does', () => {
    expect(conformed(fixed(new Uint64() as never, BigUint64Array.of(18446744073709551615n, 0n), 2), 'decimal(20,0)')).toEqual(['18446744073709551615', '0']);
  });

  it('rescales decimals when every value fits, and says which does not', () => {
    const words = new Uint32Array(8);
    words.set([1250, 0, 0, 0]); // 12.50 at scale 2
    words.set([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], 4); // -0.01
    const d = fixed(new Decimal(2, 4, 128) as never, words, 2);
    expect(conformed(d, 'decimal(12,4)')).toEqual(['12.5000', '-0.0100']);
    expect(conformed(d, 'decimal(5,2)')).toEqual(['12.50', '-0.01']);
    expect(() => conformColumn(d, parseGlueType('decimal(3,1)'), where)).toThrow('in.parquet: column c: value -0.01 at row 2 has more than 1 decimal places, so it does not fit decimal(3,1)');
  });

  it('refuses decimals that lose digits or exceed the precision', () => {
    const words = Uint32Array.of(1255, 0, 0, 0);
    expect(() => conformColumn(fixed(new Decimal(2, 4, 128) as never, words, 1), parseGlueType('decimal(4,1)'), where)).toThrow('in.parquet: column c: value 12.55 at row 1 has more than 1 decimal places, so it does not fit decimal(4,1)');
    expect(() => conformColumn(fixed(new Decimal(2, 4, 128) as never, words, 1), parseGlueType('decimal(3,2)'), where)).toThrow('value 12.55 at row 1 does not fit decimal(3,2)');
  });

  it('reads big-endian FixedSizeBinary as decimals and integers as decimals', () => {
    const bytes = Uint8Array.of(0xff, 0xff, 0xfb, 0x2e, 0x00, 0x00, 0x04, 0xd2); // -1234, 1234
    expect(conformed(fixed(new FixedSizeBinary(4) as never, bytes, 2), 'decimal(9,2)')).toEqual(['-12.34', '12.34']);
    expect(conformed(fixed(new Int64() as never, BigInt64Array.of(-5n), 1), 'decimal(20,2)')).toEqual(['-5.00']);
  });

  it('turns large, dictionary-encoded and binary strings into Utf8', () => {
    expect(conformed(vectorFromArray(['a', null, 'zürich'], new LargeUtf8()).data[0]!, 'string')).toEqual(['a', null, 'zürich']);
    expect(conformed(vectorFromArray(['x', 'y', 'x', null], new Dictionary(new Utf8(), new Int32())).data[0]!, 'string')).toEqual(['x', 'y', 'x', null]);
    expect(conformed(vectorFromArray([new TextEncoder().encode('imp☃la'), null], new Binary()).data[0]!, 'string')).toEqual(['imp☃la', null]);
    expect(conformed(vectorFromArray(['ab'], new Utf8()).data[0]!, 'binary')).toEqual(['YWI=']);
  });

  it('refuses binary that is not UTF-8 when the column is declared string', () => {
    const bad = vectorFromArray([Uint8Array.of(0x61), Uint8Array.of(0xc3)], new Binary()).data[0]!;
    expect(() => conformColumn(bad, parseGlueType('string'), where)).toThrow('in.parquet: column c: the value at row 2 is not UTF-8 text, so it cannot be read as a string (declare the column binary)');
  });

  it('honours slices', () => {
    const sliced = vectorFromArray([1, 2, null, 4, 5], new Int16()).data[0]!.slice(2, 3);
    expect(conformed(sliced, 'int')).toEqual([null, 4, 5]);
    const strings = vectorFromArray(['a', 'bb', null, 'dddd'], new LargeUtf8()).data[0]!.slice(1, 3);
    expect(conformed(strings, 'string')).toEqual(['bb', null, 'dddd']);
  });

  it('conforms nested types recursively, and reads missing struct fields as null', () => {
    const list = vectorFromArray([[1, 2], null, []], new List(new Field('item', new Int16(), true))).data[0]!;
    expect(conformed(list, 'array<bigint>')).toEqual([['1', '2'], null, []]);
    const struct = vectorFromArray([{ a: 1 }, { a: null }], new Struct([new Field('a', new Int32(), true)])).data[0]!;
    expect(conformed(struct, 'struct<a:bigint,b:string>')).toEqual([{ a: '1', b: null }, { a: null, b: null }]);
  });

  it('reads a NULL column as the declared type, all null', () => {
    expect(conformed(makeData({ type: new Null(), length: 2 }), 'decimal(10,2)')).toEqual([null, null]);
  });

  it('refuses a layout that cannot mean the declared type', () => {
    expect(() => conformColumn(vectorFromArray(['1'], new Utf8()).data[0]!, parseGlueType('int'), where)).toThrow('in.parquet: column c is string in the file but declared int');
    expect(() => conformColumn(vectorFromArray([1], new Int32()).data[0]!, parseGlueType('array<int>'), where)).toThrow('in.parquet: column c is int in the file but declared array<int>');
    expect(() => conformColumn(vectorFromArray([1.5], new Float32()).data[0]!, parseGlueType('int'), where)).toThrow('column c is float in the file but declared int');
  });
});
