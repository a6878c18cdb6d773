/**
 * Union's local implementation against Spark's `unionByName` (+ `distinct()`): columns
 * matched by name, types widened with a cast, duplicates across all inputs removed with
 * NULLs equal.
 */
import { describe, expect, it } from 'vitest';
import { s3Sink, s3Source, union, type SchemaInput } from '../../index.js';
import type { Row } from '../../local-runner/testing.js';
import { expectJobRows, orderedRows, testJob, type Inputs } from './harness.js';

function unionJob(schemas: Readonly<Record<string, SchemaInput>>, distinct?: boolean) {
  return testJob({
    sources: Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, s3Source({ path: `s3://test-in/${id}/`, format: 'json', schema })])),
    transforms: { all: union({ inputs: Object.keys(schemas), ...(distinct !== undefined && { distinct }) }) },
    sinks: { out: s3Sink({ input: 'all', path: 's3://test-out/all/', format: 'json' }) },
  });
}

interface Case {
  readonly name: string;
  readonly schemas: Readonly<Record<string, SchemaInput>>;
  readonly distinct?: boolean;
  readonly inputs: Inputs;
  readonly expected: readonly Row[];
}

const people = { id: 'int', name: 'string' };
const peopleReordered = { name: 'string', id: 'int' };

const cases: Case[] = [
  {
    name: 'matches columns by name, not position',
    schemas: { a: people, b: peopleReordered },
    inputs: { a: [{ id: 1, name: 'ann' }], b: [{ name: 'bob', id: 2 }, { name: null, id: 3 }] },
    expected: [{ id: 1, name: 'ann' }, { id: 2, name: 'bob' }, { id: 3, name: null }],
  },
  {
    name: 'keeps duplicate rows without distinct (UNION ALL)',
    schemas: { a: people, b: peopleReordered },
    inputs: { a: [{ id: 1, name: 'ann' }, { id: 1, name: 'ann' }, { id: null, name: null }], b: [{ name: 'ann', id: 1 }, { name: null, id: null }] },
    expected: [{ id: 1, name: 'ann' }, { id: 1, name: 'ann' }, { id: null, name: null }, { id: 1, name: 'ann' }, { id: null, name: null }],
  },
  {
    name: 'distinct removes duplicates within and across inputs, NULLs equal',
    schemas: { a: people, b: peopleReordered },
    distinct: true,
    inputs: {
      a: [{ id: 1, name: 'ann' }, { id: 1, name: 'ann' }, { id: null, name: null }, { id: 1, name: null }, { id: 2, name: 'bob' }],
      b: [{ name: 'ann', id: 1 }, { name: null, id: null }, { name: 'Ann', id: 1 }, { name: null, id: 1 }, { name: 'cy', id: 3 }],
    },
    expected: [{ id: 1, name: 'ann' }, { id: null, name: null }, { id: 1, name: null }, { id: 2, name: 'bob' }, { id: 1, name: 'Ann' }, { id: 3, name: 'cy' }],
  },
  {
    name: 'widens int to bigint, decimal(10,2) and decimal(12,4) to decimal(12,4), date to timestamp',
    schemas: {
      a: { id: 'int', amount: 'decimal(10,2)', at: 'date' },
      b: { id: 'bigint', amount: 'decimal(12,4)', at: 'timestamp' },
    },
    inputs: {
      a: [{ id: 1, amount: '12345678.25', at: '2024-01-31' }, { id: null, amount: null, at: null }],
      b: [{ id: '5000000000', amount: '12345678.1234', at: '2024-01-31 10:30:00' }],
    },
    expected: [
      { id: 1, amount: '12345678.2500', at: '2024-01-31 00:00:00' },
      { id: null, amount: null, at: null },
      { id: '5000000000', amount: '12345678.1234', at: '2024-01-31 10:30:00' },
    ],
  },
  {
    name: 'widens int and float to double, and array<int> to array<bigint>',
    schemas: { a: { x: 'int', xs: 'array<int>' }, b: { x: 'float', xs: 'array<bigint>' } },
    inputs: { a: [{ x: 16777217, xs: [1, null] }], b: [{ x: 0.5, xs: ['9000000000'] }] },
    expected: [{ x: 16777217, xs: [1, null] }, { x: 0.5, xs: ['9000000000'] }],
  },
  {
    name: 'distinct compares widened values: int 1 and bigint 1, 1.5 and 1.50 are duplicates',
    schemas: { a: { id: 'int', amount: 'decimal(10,1)' }, b: { id: 'bigint', amount: 'decimal(10,2)' } },
    distinct: true,
    inputs: { a: [{ id: 1, amount: '1.5' }, { id: 2, amount: '2.0' }], b: [{ id: 1, amount: '1.50' }, { id: 2, amount: '2.01' }] },
    expected: [{ id: 1, amount: '1.50' }, { id: 2, amount: '2.00' }, { id: 2, amount: '2.01' }],
  },
  {
    name: 'distinct groups -0.0 with 0.0 and NaN with NaN, and outputs 0.0 (Spark normalises grouping keys)',
    schemas: { a: { x: 'double' }, b: { x: 'double' } },
    distinct: true,
    inputs: { a: [{ x: '-0.0' }, { x: 'NaN' }], b: [{ x: 0 }, { x: 'NaN' }, { x: 1 }] },
    expected: [{ x: 0 }, { x: 'NaN' }, { x: 1 }],
  },
  {
    name: 'distinct over nested columns',
    schemas: { a: { s: 'struct<k:int,v:array<string>>' }, b: { s: 'struct<k:int,v:array<string>>' } },
    distinct: true,
    inputs: {
      a: [{ s: { k: 1, v: ['x'] } }, { s: { k: 1, v: ['x', null] } }, { s: null }, { s: { k: null, v: null } }],
      b: [{ s: { k: 1, v: ['x'] } }, { s: null }, { s: { k: null, v: null } }, { s: { k: 1, v: [] } }],
    },
    expected: [{ s: { k: 1, v: ['x'] } }, { s: { k: 1, v: ['x', null] } }, { s: null }, { s: { k: null, v: null } }, { s: { k: 1, v: [] } }],
  },
  {
    name: 'three inputs, one of them empty',
    schemas: { a: people, b: people, c: peopleReordered },
    inputs: { a: [{ id: 1, name: 'ann' }], b: [], c: [{ name: 'cy', id: 3 }] },
    expected: [{ id: 1, name: 'ann' }, { id: 3, name: 'cy' }],
  },
  {
    name: 'every input empty, distinct',
    schemas: { a: people, b: people },
    distinct: true,
    inputs: { a: [], b: [] },
    expected: [],
  },
];

describe('Union, locally', () => {
  it.each(cases)('$name', async ({ schemas, distinct, inputs, expected }) => {
    await expectJobRows(unionJob(schemas, distinct), inputs, { out: expected });
  });

  it('outputs the inputs one after the other, keeping the first of each duplicate', async () => {
    const rows = await orderedRows(
      unionJob({ a: people, b: peopleReordered }, true),
      { a: [{ id: 2, name: 'b' }, { id: 1, name: 'a' }, { id: 2, name: 'b' }], b: [{ name: 'c', id: 3 }, { name: 'a', id: 1 }, { name: 'd', id: 4 }] },
      'out',
    );
    expect(rows).toEqual([{ id: 2, name: 'b' }, { id: 1, name: 'a' }, { id: 3, name: 'c' }, { id: 4, name: 'd' }]);
  });
});
