import { describe, expect, it } from 'vitest';
import { t } from '../../catalog/types.js';
import { ApplyMapping, applyMapping, type ApplyMappingEntry } from '../../transforms/apply-mapping.js';
import { expectValidPython } from '../support/python.js';
import { expectOneProblem, runTransform, schemaText } from '../support/transform-harness.js';

const orders = [
  { name: 'order_id', type: 'bigint', nullable: false },
  { name: 'amount', type: 'string' },
  { name: 'customer', type: 'struct<name:string,address:struct<city:string,zip:string>>' },
  { name: 'ordered_at', type: 'timestamp', nullable: false, comment: 'UTC' },
  { name: 'a.b', type: 'int' },
];

const run = (mappings: readonly ApplyMappingEntry[]) => runTransform(ApplyMapping, applyMapping({ input: 'orders', mappings }), { orders });


describe('ApplyMapping', () => {
  it('outputs exactly the mapped columns, in mapping order, renamed and cast', () => {
    const r = run([
      { from: 'ordered_at' },
      { from: 'order_id', to: 'id', type: 'string' },
      { from: 'amount', type: 'decimal(12,2)' },
      { from: 'customer.address.city' },
    ]);
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['ordered_at: timestamp', 'id: string', 'amount: decimal(12,2)?', 'city: string?']);
    expect(r.node!.schema[0]!.comment).toBe('UTC');
    expect(r.pyspark).toEqual([
      'df_node = df_orders.select(F.col("ordered_at").alias("ordered_at"), F.col("order_id").cast("string").alias("id"), ' +
        'F.col("amount").cast("decimal(12,2)").alias("amount"), F.col("customer.address.city").alias("city"))',
    ]);
    expect(r.studio).toEqual({
      node: {
        ApplyMapping: {
          Name: 'node',
          Inputs: ['orders'],
          Mapping: [
            { ToKey: 'ordered_at', FromPath: ['ordered_at'], FromType: 'timestamp', ToType: 'timestamp', Dropped: false },
            { ToKey: 'id', FromPath: ['order_id'], FromType: 'bigint', ToType: 'string', Dropped: false },
            { ToKey: 'amount', FromPath: ['amount'], FromType: 'string', ToType: 'decimal(12,2)', Dropped: false },
            { ToKey: 'city', FromPath: ['customer', 'address', 'city'], FromType: 'string', ToType: 'string', Dropped: false },
          ],
        },
      },
    });
  });

  it('omits the cast when the type is the source type, however it is spelt', () => {
    const r = run([{ from: 'order_id', type: 'long' }, { from: 'amount', type: t.string() }, { from: 'a.b', to: 'ab', type: 'integer' }]);
    expect(r.problems).toEqual([]);
    expect(r.pyspark).toEqual(['df_node = df_orders.select(F.col("order_id").alias("order_id"), F.col("amount").alias("amount"), F.col("`a.b`").alias("ab"))']);
  });

  it('prints a type given as a t.* value or an alias in its canonical form', () => {
    const r = run([{ from: 'amount', to: 'n', type: 'long' }, { from: 'order_id', to: 'price', type: t.decimal(22, 2) }]);
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['n: bigint?', 'price: decimal(22,2)']);
    expect(r.pyspark![0]).toContain('F.col("amount").cast("bigint").alias("n")');
    expect(r.pyspark![0]).toContain('F.col("order_id").cast("decimal(22,2)").alias("price")');
  });

  it('reads a dotted name as a whole column when the input has a column of that name', () => {
    const r = run([{ from: 'a.b', to: 'ab' }]);
    expect(r.problems).toEqual([]);
    expect(r.pyspark).toEqual(['df_node = df_orders.select(F.col("`a.b`").alias("ab"))']);
    expect(r.studio).toMatchObject({ node: { ApplyMapping: { Mapping: [{ ToKey: 'ab', FromPath: ['a.b'] }] } } });
  });

  it('makes struct fields nullable, since the struct itself may be null', () => {
    const r = run([{ from: 'customer.name', to: 'customer_name' }, { from: 'customer.address', to: 'address' }]);
    expect(schemaText(r.node)).toEqual(['customer_name: string?', 'address: struct<city:string,zip:string>?']);
  });

  it('keeps NOT NULL only through casts that cannot produce NULL', () => {
    const strict = [
      { name: 's', type: 'string', nullable: false },
      { name: 'n', type: 'bigint', nullable: false },
      { name: 'd', type: 'double', nullable: false },
      { name: 'ts', type: 'timestamp', nullable: false },
      { name: 'p', type: 'decimal(5,2)', nullable: false },
    ];
    const r = runTransform(
      ApplyMapping,
      applyMapping({
        input: 'strict',
        mappings: [
          { from: 's', to: 's_int', type: 'int' }, // an unparsable string becomes NULL
          { from: 's', to: 's_char', type: 'varchar(10)' },
          { from: 'n', to: 'n_text', type: 'string' },
          { from: 'n', to: 'n_wide', type: 'decimal(20,0)' },
          { from: 'n', to: 'n_narrow', type: 'decimal(19,0)' }, // overflow becomes NULL
          { from: 'n', to: 'n_int', type: 'int' }, // wraps around, as Spark does without ANSI
          { from: 'd', to: 'd_long', type: 'bigint' }, // NaN becomes NULL
          { from: 'ts', to: 'ts_day', type: 'date' },
          { from: 'p', to: 'p_more', type: 'decimal(7,3)' },
          { from: 'p', to: 'p_round', type: 'decimal(4,1)' }, // 999.99 rounds to 1000.0
          { from: 'p', to: 'p_room', type: 'decimal(5,1)' },
        ],
      }),
      { strict },
    );
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual([
      's_int: int?',
      's_char: varchar(10)',
      'n_text: string',
      'n_wide: decimal(20,0)',
      'n_narrow: decimal(19,0)?',
      'n_int: int',
      'd_long: bigint?',
      'ts_day: date',
      'p_more: decimal(7,3)',
      'p_round: decimal(4,1)?',
      'p_room: decimal(5,1)',
    ]);
  });

  it('may read one source into several columns', () => {
    const r = run([{ from: 'amount' }, { from: 'amount', to: 'amount_num', type: 'double' }]);
    expect(schemaText(r.node)).toEqual(['amount: string?', 'amount_num: double?']);
  });

  it('returns frozen definitions and options', () => {
    const def = applyMapping({ input: 'orders', mappings: [{ from: 'amount' }] });
    expect(def.kind).toBe('ApplyMapping');
    expect(Object.isFrozen(def)).toBe(true);
    const r = runTransform(ApplyMapping, def, { orders });
    expect(Object.isFrozen(r.node!.options)).toBe(true);
    expect(Object.isFrozen(r.node!.options.mappings[0])).toBe(true);
    expect(Object.isFrozen(r.node!.schema)).toBe(true);
  });

  it('reports every problem in one pass', () => {
    const r = run([{ from: 'amout' }, { from: 'amount', type: 'nope' }, { from: 'order_id', to: 'AMOUNT' }]);
    expect(r.problems.map((p) => p.path)).toEqual([
      'transforms.node.mappings[0].from',
      'transforms.node.mappings[1].type',
      'transforms.node.mappings[2].to',
    ]);
  });

  it.each([
    ['an empty list', [], 'transforms.node.mappings', 'expected a non-empty list of mappings { from, to?, type? }, got an empty list', undefined],
    ['mappings that are not a list', 'amount', 'transforms.node.mappings', 'got "amount"', undefined],
    ['a mapping that is not an object', [42], 'transforms.node.mappings[0]', 'expected a mapping { from, to?, type? }, got number 42', undefined],
    ['a misspelt mapping field', [{ from: 'amount', too: 'x' }], 'transforms.node.mappings[0].too', 'unknown mapping field "too"', 'did you mean "to"?'],
    ['a missing from', [{ to: 'x' }], 'transforms.node.mappings[0].from', 'expected a column name or struct path, got nothing', undefined],
    ['an unknown column', [{ from: 'amout' }], 'transforms.node.mappings[0].from', 'unknown column "amout" in input "orders"', 'did you mean "amount"?'],
    ['an unknown struct field', [{ from: 'customer.adress.city' }], 'transforms.node.mappings[0].from', 'struct "customer" has no field "adress"', 'did you mean "address"?'],
    ['a path through a non-struct', [{ from: 'amount.x' }], 'transforms.node.mappings[0].from', '"amount" is string, not a struct, so it has no field "x"', undefined],
    ['an empty to', [{ from: 'amount', to: '' }], 'transforms.node.mappings[0].to', 'expected a column name, got ""', undefined],
    ['a to that is not a string', [{ from: 'amount', to: 7 }], 'transforms.node.mappings[0].to', 'expected a column name, got number 7', undefined],
    ['a to with a backtick', [{ from: 'amount', to: 'a`b' }], 'transforms.node.mappings[0].to', 'invalid column name "a`b"', undefined],
    ['a to with a dot', [{ from: 'amount', to: 'total.usd' }], 'transforms.node.mappings[0].to', 'output column name "total.usd" contains a dot', 'e.g. "total_usd"'],
    ['a default to with a dot', [{ from: 'a.b' }], 'transforms.node.mappings[0]', 'output column name "a.b" contains a dot', 'set "to" to a name without dots'],
    [
      'two outputs differing only in case',
      [{ from: 'amount', to: 'Total' }, { from: 'order_id', to: 'total' }],
      'transforms.node.mappings[1].to',
      'duplicate output column "total" (mappings[0] also makes "Total"; Glue\'s catalog is case-insensitive)',
      'give one of them another name',
    ],
    [
      'two default outputs with one name',
      [{ from: 'amount' }, { from: 'amount', type: 'double' }],
      'transforms.node.mappings[1]',
      'duplicate output column "amount"',
      'set "to" to give this column another name',
    ],
    ['an invalid type', [{ from: 'amount', type: 'decimal(50,2)' }], 'transforms.node.mappings[0].type', 'invalid type "decimal(50,2)": decimal precision must be 1..38', 'Hive type strings'],
    ['a type that is not a type', [{ from: 'amount', type: 5 }], 'transforms.node.mappings[0].type', 'expected a type (a string such as "bigint" or a t.* value), got number 5', undefined],
    [
      'an impossible cast',
      [{ from: 'customer', type: 'bigint' }],
      'transforms.node.mappings[0].type',
      'Spark cannot cast struct<name:string,address:struct<city:string,zip:string>> to bigint',
      undefined,
    ],
    ['a timestamp cast to binary', [{ from: 'ordered_at', type: 'binary' }], 'transforms.node.mappings[0].type', 'Spark cannot cast timestamp to binary', undefined],
  ])('rejects %s', (_name, mappings, path, message, hint) => {
    const r = run(mappings as never);
    expectOneProblem(r, path, message, hint);
  });

  it('generates syntactically valid Python', () => {
    const lines = [
      [{ from: 'order_id', to: 'id', type: 'string' }, { from: 'customer.address.city' }, { from: 'a.b', to: 'ab', type: 'bigint' }],
      [{ from: 'amount', to: 'quote"d\\name', type: 'decimal(12,2)' }],
      [{ from: 'customer', to: 'c', type: 'struct<name:string,address:struct<city:string,zip:int>>' }],
    ].flatMap((mappings) => {
      const r = run(mappings);
      expect(r.problems).toEqual([]);
      return r.pyspark!;
    });
    expectValidPython(lines);
  });

  it('has a Python check that rejects broken syntax', () => {
    expect(() => expectValidPython(['df_node = df_orders.select(F.col("a")'])).toThrow();
  });
});
