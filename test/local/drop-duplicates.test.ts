/**
 * DropDuplicates' local implementation against Spark's `dropDuplicates`: one row per
 * group of equal compared values, NULLs equal. Spark keeps an arbitrary row of each
 * group; gluekit keeps the first in input order, which these tests pin down.
 */
import { describe, expect, it } from 'vitest';
import { dropDuplicates, s3Sink, s3Source, type SchemaInput } from '../../index.js';
import type { Row } from '../../local-runner/testing.js';
import { expectJobRows, orderedRows, testJob } from './harness.js';

function dedupJob(schema: SchemaInput, columns?: readonly string[]) {
  return testJob({
    sources: { rows: s3Source({ path: 's3://test-in/rows/', format: 'json', schema }) },
    transforms: { unique: dropDuplicates({ input: 'rows', ...(columns && { columns }) }) },
    sinks: { out: s3Sink({ input: 'unique', path: 's3://test-out/unique/', format: 'json' }) },
  });
}

interface Case {
  readonly name: string;
  readonly schema: SchemaInput;
  readonly columns?: readonly string[];
  readonly rows: readonly Row[];
  readonly expected: readonly Row[];
}

const events = { user: 'string', day: 'date', clicks: 'int' };
const eventRows = [
  { user: 'ann', day: '2024-01-01', clicks: 1 },
  { user: 'bob', day: '2024-01-01', clicks: 2 },
  { user: 'ann', day: '2024-01-01', clicks: 3 },
  { user: 'ann', day: '2024-01-01', clicks: 1 },
  { user: null, day: '2024-01-02', clicks: null },
  { user: null, day: '2024-01-02', clicks: null },
  { user: null, day: '2024-01-03', clicks: 4 },
  { user: 'bob', day: '2024-01-02', clicks: 2 },
];

const cases: Case[] = [
  {
    name: 'all columns: exact duplicates, NULLs equal',
    schema: events,
    rows: eventRows,
    expected: [eventRows[0]!, eventRows[1]!, eventRows[2]!, eventRows[4]!, eventRows[6]!, eventRows[7]!],
  },
  {
    name: 'a subset: the first row of each group, in input order',
    schema: events,
    columns: ['user'],
    rows: eventRows,
    expected: [eventRows[0]!, eventRows[1]!, eventRows[4]!],
  },
  {
    name: 'two columns of a subset, NULL in one of them',
    schema: events,
    columns: ['user', 'day'],
    rows: eventRows,
    expected: [eventRows[0]!, eventRows[1]!, eventRows[4]!, eventRows[6]!, eventRows[7]!],
  },
  {
    name: 'decimals and bigints compare by value',
    schema: { amount: 'decimal(12,2)', n: 'bigint', tag: 'string' },
    columns: ['amount', 'n'],
    rows: [
      { amount: '1.5', n: '9000000000', tag: 'a' },
      { amount: '1.50', n: '9000000000', tag: 'b' },
      { amount: '1.51', n: '9000000000', tag: 'c' },
      { amount: '1.5', n: '9000000001', tag: 'd' },
    ],
    expected: [
      { amount: '1.50', n: '9000000000', tag: 'a' },
      { amount: '1.51', n: '9000000000', tag: 'c' },
      { amount: '1.50', n: '9000000001', tag: 'd' },
    ],
  },
  {
    name: '-0.0 groups with 0.0 and comes out 0.0; NaN groups with NaN; other columns are the first row\'s',
    schema: { x: 'double', f: 'float', note: 'double' },
    columns: ['x', 'f'],
    rows: [
      { x: '-0.0', f: 'NaN', note: '-0.0' },
      { x: 0, f: 'NaN', note: 1 },
      { x: 'NaN', f: '-0.0', note: 2 },
      { x: 'NaN', f: 0, note: 3 },
    ],
    expected: [
      { x: 0, f: 'NaN', note: '-0.0' },
      { x: 'NaN', f: 0, note: 2 },
    ],
  },
  {
    name: 'nested columns: -0.0 inside them normalised too',
    schema: { s: 'struct<a:double,b:array<double>>', id: 'int' },
    columns: ['s'],
    rows: [
      { s: { a: '-0.0', b: ['-0.0', 1] }, id: 1 },
      { s: { a: 0, b: [0, 1] }, id: 2 },
      { s: { a: 0, b: [0, null] }, id: 3 },
      { s: null, id: 4 },
      { s: null, id: 5 },
    ],
    expected: [
      { s: { a: 0, b: [0, 1] }, id: 1 },
      { s: { a: 0, b: [0, null] }, id: 3 },
      { s: null, id: 4 },
    ],
  },
  {
    name: 'booleans and timestamps',
    schema: { ok: 'boolean', at: 'timestamp' },
    rows: [
      { ok: true, at: '2024-01-01 00:00:00' },
      { ok: true, at: '2024-01-01 00:00:00.000001' },
      { ok: false, at: '2024-01-01 00:00:00' },
      { ok: true, at: '2024-01-01 00:00:00' },
      { ok: null, at: null },
      { ok: null, at: null },
    ],
    expected: [
      { ok: true, at: '2024-01-01 00:00:00' },
      { ok: true, at: '2024-01-01 00:00:00.000001' },
      { ok: false, at: '2024-01-01 00:00:00' },
      { ok: null, at: null },
    ],
  },
  { name: 'empty input', schema: events, rows: [], expected: [] },
  { name: 'no duplicates', schema: events, columns: ['clicks', 'day'], rows: eventRows.slice(0, 2), expected: eventRows.slice(0, 2) },
];

describe('DropDuplicates, locally', () => {
  it.each(cases)('$name', async ({ schema, columns, rows, expected }) => {
    await expectJobRows(dedupJob(schema, columns), { rows }, { out: expected });
  });

  it('streams the first row of each group in input order, across batches', async () => {
    const rows = await orderedRows(dedupJob(events, ['user']), { rows: eventRows }, 'out');
    expect(rows.map((r) => [(r as Row).user, (r as Row).clicks])).toEqual([['ann', 1], ['bob', 2], [null, null]]);
  });
});
