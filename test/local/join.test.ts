/**
 * Join's local implementation against what Spark's join gives: every join type in both
 * modes, NULL keys (never equal), duplicate keys on both sides, empty inputs, and keys
 * of different types compared after casting to their common type.
 */
import { describe, expect, it } from 'vitest';
import { join, s3Sink, s3Source, type SchemaInput } from '../../index.js';
import { runLocally, type Row } from '../../local-runner/testing.js';
import type { JoinDefinition } from '../../transforms/join.js';
import { random } from '../kernels/rows.js';
import { expectJobRows, orderedRows, testJob, type Inputs } from './harness.js';

type JoinProps = Omit<JoinDefinition, 'kind' | 'left' | 'right'>;

function joinJob(left: SchemaInput, right: SchemaInput, props: JoinProps, glueVersion?: '5.0' | '6.0') {
  return testJob({
    ...(glueVersion && { glueVersion }),
    sources: {
      l: s3Source({ path: 's3://test-in/l/', format: 'json', schema: left }),
      r: s3Source({ path: 's3://test-in/r/', format: 'json', schema: right }),
    },
    transforms: { joined: join({ left: 'l', right: 'r', ...props }) },
    sinks: { out: s3Sink({ input: 'joined', path: 's3://test-out/joined/', format: 'json' }) },
  });
}

interface Case {
  readonly name: string;
  readonly left: SchemaInput;
  readonly right: SchemaInput;
  readonly join: JoinProps;
  readonly inputs: Inputs;
  readonly expected: readonly Row[];
  /** Glue 6.0 runs Spark with ANSI mode on, where a failing cast is an error. */
  readonly glueVersion?: '5.0' | '6.0';
}

// Customers 1 and 1 again (a duplicate key on the right) match orders 1 and 2 (a duplicate
// key on the left): four pairs. Order 3 and customer 3 match nothing; the NULL keys on
// both sides match nothing either, not even each other.
const orders = { order_id: 'int', customer_id: 'int', amount: 'decimal(10,2)' };
const customers = { customer_id: 'int', name: 'string' };
const orderRows = [
  { order_id: 1, customer_id: 1, amount: '10.00' },
  { order_id: 2, customer_id: 1, amount: '20.00' },
  { order_id: 3, customer_id: 2, amount: '30.00' },
  { order_id: 4, customer_id: null, amount: '40.00' },
  { order_id: 5, customer_id: 9, amount: '50.00' },
];
const customerRows = [
  { customer_id: 1, name: 'ann' },
  { customer_id: 3, name: 'cy' },
  { customer_id: 1, name: 'ann again' },
  { customer_id: null, name: 'nobody' },
];
const shop = { l: orderRows, r: customerRows };

const pairs = [
  { customer_id: 1, order_id: 1, amount: '10.00', name: 'ann' },
  { customer_id: 1, order_id: 1, amount: '10.00', name: 'ann again' },
  { customer_id: 1, order_id: 2, amount: '20.00', name: 'ann' },
  { customer_id: 1, order_id: 2, amount: '20.00', name: 'ann again' },
];
const unmatchedOrders = [
  { customer_id: 2, order_id: 3, amount: '30.00', name: null },
  { customer_id: null, order_id: 4, amount: '40.00', name: null },
  { customer_id: 9, order_id: 5, amount: '50.00', name: null },
];
const unmatchedCustomers = [
  { customer_id: 3, order_id: null, amount: null, name: 'cy' },
  { customer_id: null, order_id: null, amount: null, name: 'nobody' },
];

// The same data with the right key named `id`: a condition join keeps both key columns.
const accounts = { id: 'int', name: 'string' };
const accountRows = customerRows.map(({ customer_id, name }) => ({ id: customer_id, name }));
const withId = (row: Row) => ({ ...row, id: row.name === null ? null : row.customer_id });
const conditionPairs = pairs.map(withId);
const conditionUnmatchedOrders = unmatchedOrders.map(withId);
const conditionUnmatchedAccounts = unmatchedCustomers.map(({ customer_id, ...rest }) => ({ ...rest, customer_id: null, id: customer_id }));

const semiRows = orderRows.slice(0, 2);
const antiRows = orderRows.slice(2);

const cases: Case[] = [
  // ---- USING mode: keys with one name, output once
  { name: 'using inner: many-to-many pairs, NULL keys dropped', left: orders, right: customers, join: { on: ['customer_id'] }, inputs: shop, expected: pairs },
  {
    name: 'using left: plus unmatched left rows (NULL key included) with NULL right columns',
    left: orders, right: customers, join: { on: ['customer_id'], how: 'left' }, inputs: shop,
    expected: [...pairs, ...unmatchedOrders],
  },
  {
    name: 'using right: plus unmatched right rows, keyed by the right key',
    left: orders, right: customers, join: { on: ['customer_id'], how: 'right' }, inputs: shop,
    expected: [...pairs, ...unmatchedCustomers],
  },
  {
    name: 'using outer: both sides\' unmatched rows, key coalesced',
    left: orders, right: customers, join: { on: ['customer_id'], how: 'outer' }, inputs: shop,
    expected: [...pairs, ...unmatchedOrders, ...unmatchedCustomers],
  },
  { name: 'leftsemi: each matching left row once', left: orders, right: customers, join: { on: ['customer_id'], how: 'leftsemi' }, inputs: shop, expected: semiRows },
  { name: 'leftanti: left rows without a match, NULL keys included', left: orders, right: customers, join: { on: ['customer_id'], how: 'leftanti' }, inputs: shop, expected: antiRows },

  // ---- condition mode: differently named keys, both kept
  { name: 'condition inner', left: orders, right: accounts, join: { on: [['customer_id', 'id']] }, inputs: { l: orderRows, r: accountRows }, expected: conditionPairs },
  {
    name: 'condition left',
    left: orders, right: accounts, join: { on: [['customer_id', 'id']], how: 'left' }, inputs: { l: orderRows, r: accountRows },
    expected: [...conditionPairs, ...conditionUnmatchedOrders],
  },
  {
    name: 'condition right',
    left: orders, right: accounts, join: { on: [['customer_id', 'id']], how: 'right' }, inputs: { l: orderRows, r: accountRows },
    expected: [...conditionPairs, ...conditionUnmatchedAccounts],
  },
  {
    name: 'condition outer',
    left: orders, right: accounts, join: { on: [['customer_id', 'id']], how: 'outer' }, inputs: { l: orderRows, r: accountRows },
    expected: [...conditionPairs, ...conditionUnmatchedOrders, ...conditionUnmatchedAccounts],
  },
  { name: 'condition leftsemi', left: orders, right: accounts, join: { on: [['customer_id', 'id']], how: 'leftsemi' }, inputs: { l: orderRows, r: accountRows }, expected: semiRows },
  { name: 'condition leftanti', left: orders, right: accounts, join: { on: [['customer_id', 'id']], how: 'leftanti' }, inputs: { l: orderRows, r: accountRows }, expected: antiRows },

  // ---- several keys: a NULL in any of them matches nothing
  {
    name: 'two keys, one of them NULL',
    left: { a: 'string', b: 'int', x: 'string' },
    right: { a: 'string', b: 'int', y: 'string' },
    join: { on: ['a', 'b'], how: 'outer' },
    inputs: {
      l: [{ a: 'k', b: 1, x: 'l1' }, { a: 'k', b: 2, x: 'l2' }, { a: 'k', b: null, x: 'l3' }, { a: 'é', b: 1, x: 'l4' }],
      r: [{ a: 'k', b: 1, y: 'r1' }, { a: 'k', b: null, y: 'r2' }, { a: 'é', b: 1, y: 'r3' }, { a: 'e', b: 1, y: 'r4' }],
    },
    expected: [
      { a: 'k', b: 1, x: 'l1', y: 'r1' },
      { a: 'k', b: 2, x: 'l2', y: null },
      { a: 'k', b: null, x: 'l3', y: null },
      { a: 'é', b: 1, x: 'l4', y: 'r3' },
      { a: 'k', b: null, x: null, y: 'r2' },
      { a: 'e', b: 1, x: null, y: 'r4' },
    ],
  },

  // ---- keys of different types, compared as their common type
  {
    name: 'int joins bigint (inner keeps the left key\'s int)',
    left: { k: 'int', a: 'string' }, right: { k: 'bigint', b: 'string' }, join: { on: ['k'] },
    inputs: { l: [{ k: 1, a: 'x' }, { k: 2, a: 'y' }], r: [{ k: 1, b: 'p' }, { k: '3000000000', b: 'q' }] },
    expected: [{ k: 1, a: 'x', b: 'p' }],
  },
  {
    name: 'int joins bigint (right keeps the right key\'s bigint)',
    left: { k: 'int', a: 'string' }, right: { k: 'bigint', b: 'string' }, join: { on: ['k'], how: 'right' },
    inputs: { l: [{ k: 1, a: 'x' }, { k: 2, a: 'y' }], r: [{ k: 1, b: 'p' }, { k: '3000000000', b: 'q' }] },
    expected: [{ k: 1, a: 'x', b: 'p' }, { k: '3000000000', a: null, b: 'q' }],
  },
  {
    name: 'int joins bigint (outer coalesces to bigint)',
    left: { k: 'int', a: 'string' }, right: { k: 'bigint', b: 'string' }, join: { on: ['k'], how: 'outer' },
    inputs: { l: [{ k: 1, a: 'x' }, { k: 2, a: 'y' }], r: [{ k: 1, b: 'p' }, { k: '3000000000', b: 'q' }] },
    expected: [{ k: 1, a: 'x', b: 'p' }, { k: 2, a: 'y', b: null }, { k: '3000000000', a: null, b: 'q' }],
  },
  {
    name: 'decimal(10,2) 1.50 joins decimal(12,3) 1.500 (outer key is decimal(12,3))',
    left: { k: 'decimal(10,2)', a: 'string' }, right: { k: 'decimal(12,3)', b: 'string' }, join: { on: ['k'], how: 'outer' },
    inputs: { l: [{ k: '1.50', a: 'x' }, { k: '2.25', a: 'y' }], r: [{ k: '1.500', b: 'p' }, { k: '2.251', b: 'q' }] },
    expected: [{ k: '1.500', a: 'x', b: 'p' }, { k: '2.250', a: 'y', b: null }, { k: '2.251', a: null, b: 'q' }],
  },
  {
    name: 'decimal keys of different scales under ANSI mode (Glue 6.0)',
    left: { k: 'decimal(10,2)', a: 'string' }, right: { k: 'decimal(38,0)', b: 'string' }, join: { on: ['k'], how: 'right' }, glueVersion: '6.0',
    inputs: { l: [{ k: '7.00', a: 'x' }, { k: '7.01', a: 'y' }], r: [{ k: '7', b: 'p' }, { k: '8', b: 'q' }] },
    expected: [{ k: '7', a: 'x', b: 'p' }, { k: '8', a: null, b: 'q' }],
  },
  {
    name: 'smallint joins decimal(5,1) as decimal(6,1)',
    left: { k: 'smallint', a: 'string' }, right: { code: 'decimal(5,1)', b: 'string' }, join: { on: [['k', 'code']] },
    inputs: { l: [{ k: 7, a: 'x' }, { k: 8, a: 'y' }], r: [{ code: '7.0', b: 'p' }, { code: '8.5', b: 'q' }] },
    expected: [{ k: 7, a: 'x', code: '7.0', b: 'p' }],
  },
  {
    name: 'a date joins the timestamp at its midnight (UTC)',
    left: { day: 'date', a: 'string' }, right: { at: 'timestamp', b: 'string' }, join: { on: [['day', 'at']], how: 'left' },
    inputs: {
      l: [{ day: '2024-01-31', a: 'x' }, { day: '2024-02-01', a: 'y' }],
      r: [{ at: '2024-01-31 00:00:00', b: 'midnight' }, { at: '2024-02-01 10:00:00', b: 'morning' }],
    },
    expected: [{ day: '2024-01-31', a: 'x', at: '2024-01-31 00:00:00', b: 'midnight' }, { day: '2024-02-01', a: 'y', at: null, b: null }],
  },
  {
    name: 'float joins double; NaN equals NaN and -0.0 equals 0.0 (Spark normalises join keys)',
    left: { k: 'float', a: 'string' }, right: { k: 'double', b: 'string' }, join: { on: ['k'] },
    inputs: { l: [{ k: 'NaN', a: 'nan' }, { k: '-0.0', a: 'minus zero' }, { k: 0.5, a: 'half' }], r: [{ k: 'NaN', b: 'p' }, { k: 0, b: 'q' }, { k: 0.5, b: 'r' }] },
    expected: [{ k: 'NaN', a: 'nan', b: 'p' }, { k: '-0.0', a: 'minus zero', b: 'q' }, { k: 0.5, a: 'half', b: 'r' }],
  },

  {
    name: 'bigint keys beyond 32 bits never equal the 32-bit key with their low word',
    left: { k: 'bigint', a: 'string' }, right: { k: 'bigint', b: 'string' }, join: { on: ['k'], how: 'left' },
    inputs: { l: [{ k: '4294967297', a: 'x' }, { k: 1, a: 'y' }, { k: '-4294967295', a: 'z' }], r: [{ k: 1, b: 'p' }, { k: 2, b: 'q' }] },
    expected: [{ k: '4294967297', a: 'x', b: null }, { k: 1, a: 'y', b: 'p' }, { k: '-4294967295', a: 'z', b: null }],
  },
  {
    name: 'negative keys, and probes below and above the right side\'s range',
    left: { k: 'int', a: 'string' }, right: { k: 'int', b: 'string' }, join: { on: ['k'], how: 'left' },
    inputs: { l: [{ k: -3, a: 'x' }, { k: -6, a: 'y' }, { k: 4, a: 'z' }, { k: -1, a: 'w' }], r: [{ k: -5, b: 'p' }, { k: -3, b: 'q' }, { k: -1, b: 'r' }] },
    expected: [{ k: -3, a: 'x', b: 'q' }, { k: -6, a: 'y', b: null }, { k: 4, a: 'z', b: null }, { k: -1, a: 'w', b: 'r' }],
  },
  {
    name: 'date keys',
    left: { day: 'date', a: 'string' }, right: { day: 'date', b: 'string' }, join: { on: ['day'] },
    inputs: { l: [{ day: '2024-02-29', a: 'x' }, { day: '2024-03-01', a: 'y' }], r: [{ day: '2024-02-29', b: 'leap' }, { day: '2023-02-28', b: 'old' }] },
    expected: [{ day: '2024-02-29', a: 'x', b: 'leap' }],
  },

  // ---- empty inputs
  { name: 'empty right, inner', left: orders, right: customers, join: { on: ['customer_id'] }, inputs: { l: orderRows, r: [] }, expected: [] },
  {
    name: 'empty right, left: every left row with NULL right columns',
    left: orders, right: customers, join: { on: ['customer_id'], how: 'left' }, inputs: { l: orderRows, r: [] },
    expected: orderRows.map((row) => ({ ...row, name: null })),
  },
  { name: 'empty right, leftanti: every left row', left: orders, right: customers, join: { on: ['customer_id'], how: 'leftanti' }, inputs: { l: orderRows, r: [] }, expected: orderRows },
  { name: 'empty right, leftsemi: nothing', left: orders, right: customers, join: { on: ['customer_id'], how: 'leftsemi' }, inputs: { l: orderRows, r: [] }, expected: [] },
  {
    name: 'empty left, right: every right row with NULL left columns',
    left: orders, right: customers, join: { on: ['customer_id'], how: 'right' }, inputs: { l: [], r: customerRows },
    expected: customerRows.map((row) => ({ ...row, order_id: null, amount: null })),
  },
  {
    name: 'empty left, condition outer',
    left: orders, right: accounts, join: { on: [['customer_id', 'id']], how: 'outer' }, inputs: { l: [], r: accountRows },
    expected: accountRows.map((row) => ({ ...row, order_id: null, customer_id: null, amount: null })),
  },
  { name: 'both empty, outer', left: orders, right: customers, join: { on: ['customer_id'], how: 'outer' }, inputs: { l: [], r: [] }, expected: [] },

  // ---- nested columns travel with their rows
  {
    name: 'struct and array columns on both sides',
    left: { id: 'int', tags: 'array<string>' }, right: { id: 'int', address: 'struct<city:string,zip:int>' }, join: { on: ['id'], how: 'outer' },
    inputs: {
      l: [{ id: 1, tags: ['a', 'b'] }, { id: 2, tags: [] }, { id: 3, tags: null }],
      r: [{ id: 1, address: { city: 'Oslo', zip: 150 } }, { id: 4, address: { city: null, zip: 1 } }],
    },
    expected: [
      { id: 1, tags: ['a', 'b'], address: { city: 'Oslo', zip: 150 } },
      { id: 2, tags: [], address: null },
      { id: 3, tags: null, address: null },
      { id: 4, tags: null, address: { city: null, zip: 1 } },
    ],
  },
];

describe('Join, locally', () => {
  it.each(cases)('$name', async ({ left, right, join: props, inputs, expected, glueVersion }) => {
    await expectJobRows(joinJob(left, right, props, glueVersion), inputs, { out: expected });
  });

  it('outputs each left row with its matches in right order, then the unmatched right rows', async () => {
    // Spark's order is unspecified; gluekit's is documented and deterministic.
    const rows = await orderedRows(joinJob(orders, customers, { on: ['customer_id'], how: 'outer' }), shop, 'out');
    expect(rows.map((r) => [(r as Row).order_id, (r as Row).name])).toEqual([
      [1, 'ann'], [1, 'ann again'], [2, 'ann'], [2, 'ann again'], [3, null], [4, null], [5, null], [null, 'cy'], [null, 'nobody'],
    ]);
  });

  // One integer key over a dense range is indexed by value (kernels/dense-keys.ts), any
  // other by hashing (GroupTable); both must give a nested loop's answer.
  it.each([
    ['a dense range, indexed by value', 1],
    ['a sparse range, hashed', 50_000_000],
  ])('matches a nested-loop left join over random keys in %s', async (_, spread) => {
    const next = random(spread);
    const key = () => (next() < 0.05 ? null : (Math.floor(next() * 40) - 20) * spread);
    const left = Array.from({ length: 500 }, (_, a) => ({ k: key(), a }));
    const right = Array.from({ length: 300 }, (_, b) => ({ k: key(), b }));
    const expected = left.flatMap((l): Row[] => {
      const matches = l.k === null ? [] : right.filter((r) => r.k === l.k);
      return matches.length > 0 ? matches.map((r) => ({ k: l.k, a: l.a, b: r.b })) : [{ k: l.k, a: l.a, b: null }];
    });
    await expectJobRows(joinJob({ k: 'int', a: 'int' }, { k: 'int', b: 'int' }, { on: ['k'], how: 'left' }), { l: left, r: right }, { out: expected });
  });

  it('splits the output of a key with many matches into batches of at most 65,536 rows', async () => {
    const left = Array.from({ length: 300 }, (_, i) => ({ k: 1, a: i }));
    const right = Array.from({ length: 300 }, (_, i) => ({ k: 1, b: i }));
    const job = joinJob({ k: 'int', a: 'int' }, { k: 'int', b: 'int' }, { on: ['k'] });
    const { outputs } = await runLocally(job, { inputs: { l: left, r: right } });
    expect(outputs.out!.numRows).toBe(90_000);
    expect(outputs.out!.batches.map((b) => b.numRows)).toEqual([65_536, 90_000 - 65_536]);
  });
});
