import { describe, expect, it } from 'vitest';
import { col, lit } from '../../expr/expr.js';
import { FillMissingValues, fillMissingValues, type FillValue } from '../../transforms/fill-missing-values.js';
import { expectValidPython } from '../support/python.js';
import { expectOneProblem, runTransform, schemaText } from '../support/transform-harness.js';

const orders = [
  { name: 'order_id', type: 'bigint', nullable: false },
  { name: 'status', type: 'string' },
  { name: 'qty', type: 'int' },
  { name: 'price', type: 'decimal(8,2)', comment: 'EUR' },
];

const readings = [
  { name: 'qty', type: 'int' },
  { name: 'small', type: 'tinyint' },
  { name: 'price', type: 'decimal(8,2)' },
  { name: 'ratio', type: 'float' },
  { name: 'day', type: 'date' },
  { name: 'seen_at', type: 'timestamp' },
  { name: 'flag', type: 'boolean' },
  { name: 'code', type: 'varchar(3)' },
  { name: 'status', type: 'string' },
  { name: 'tags', type: 'array<string>' },
  { name: 'customer', type: 'struct<name:string>' },
  { name: 'a.b', type: 'int' },
];

const fill = (values: Record<string, FillValue>) =>
  runTransform(FillMissingValues, fillMissingValues({ input: 'readings', values }), { readings });


describe('FillMissingValues', () => {
  it('keeps every column and makes the filled ones NOT NULL', () => {
    const r = runTransform(
      FillMissingValues,
      fillMissingValues({ input: 'orders', values: { price: lit.decimal('0.00'), status: "it's unknown" } }),
      { orders },
    );
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['order_id: bigint', 'status: string', 'qty: int?', 'price: decimal(8,2)']);
    expect(r.node!.schema[3]!.comment).toBe('EUR');
    expect(r.node!.options.fills.map((f) => f.column)).toEqual(['status', 'price']);
    expect(r.pyspark).toEqual([
      'df_node = df_orders.select(F.col("order_id"), ' +
        `F.coalesce(F.col("status"), F.expr("'it\\\\'s unknown'").cast("string")).alias("status"), ` +
        'F.col("qty"), F.coalesce(F.col("price"), F.expr("0.00BD").cast("decimal(8,2)")).alias("price"))',
    ]);
    expect(r.studio).toEqual({
      node: {
        SparkSQL: {
          Name: 'node',
          Inputs: ['orders'],
          SqlQuery:
            "SELECT `order_id`, coalesce(`status`, CAST('it\\'s unknown' AS string)) AS `status`, `qty`, " +
            'coalesce(`price`, CAST(0.00BD AS decimal(8,2))) AS `price` FROM `orders`',
          SqlAliases: [{ From: 'orders', Alias: 'orders' }],
          OutputSchemas: [
            {
              Columns: [
                { Name: 'order_id', Type: 'bigint' },
                { Name: 'status', Type: 'string' },
                { Name: 'qty', Type: 'int' },
                { Name: 'price', Type: 'decimal(8,2)' },
              ],
            },
          ],
        },
      },
    });
  });

  it('casts each value to the column type, so a double does not widen a float column', () => {
    const r = fill({ ratio: 0.5, day: '2024-01-31', seen_at: lit.date('2024-01-31') });
    expect(r.pyspark![0]).toContain('F.coalesce(F.col("ratio"), F.expr("0.5D").cast("float")).alias("ratio")');
    expect(r.pyspark![0]).toContain(`F.coalesce(F.col("day"), F.expr("'2024-01-31'").cast("date")).alias("day")`);
    expect(r.pyspark![0]).toContain(`F.coalesce(F.col("seen_at"), F.expr("DATE '2024-01-31'").cast("timestamp")).alias("seen_at")`);
    expect(schemaText(r.node).filter((c) => /^(ratio|day|seen_at):/.test(c))).toEqual(['ratio: float', 'day: date', 'seen_at: timestamp']);
  });

  it('casts to string for char and varchar columns, as Spark would anyway', () => {
    const r = fill({ code: 'N/A' });
    expect(r.pyspark![0]).toContain(`F.coalesce(F.col("code"), F.expr("'N/A'").cast("string")).alias("code")`);
    expect((r.studio!.node as { SparkSQL: { SqlQuery: string } }).SparkSQL.SqlQuery).toContain("coalesce(`code`, CAST('N/A' AS string)) AS `code`");
    expect(schemaText(r.node)).toContain('code: varchar(3)');
  });

  it('fills a column whose name has a dot', () => {
    const r = fill({ 'a.b': -1 });
    expect(r.problems).toEqual([]);
    expect(r.pyspark![0]).toContain('F.coalesce(F.col("`a.b`"), F.expr("-1").cast("int")).alias("a.b")');
    expect((r.studio!.node as { SparkSQL: { SqlQuery: string } }).SparkSQL.SqlQuery).toContain('coalesce(`a.b`, CAST(-1 AS int)) AS `a.b`');
  });

  it.each<[string, Record<string, FillValue>]>([
    ['an int', { qty: 0 }],
    ['a negative int', { small: -128 }],
    ['a bigint that fits', { qty: 5n }],
    ['a decimal with a zero fraction in an int column', { qty: lit.decimal('3.00') }],
    ['an int in a decimal column', { price: 999999 }],
    ['a double with few enough places in a decimal column', { price: 0.25 }],
    ['a decimal with trailing zeros', { price: lit.decimal('1.500') }],
    ['a bigint in a float column', { ratio: lit.bigint('12345678901') }],
    ['a date string in a date column', { day: '2024-02-29' }],
    ['a timestamp string in a timestamp column', { seen_at: '2024-02-29 23:59:59.123' }],
    ['a timestamp in a date column', { day: lit.timestamp('2024-01-01 00:00:00') }],
    ['a boolean', { flag: false }],
    ['a string as long as a varchar column', { code: 'ABC' }],
    ['an Expr node as plain data', { status: { kind: 'lit', type: 'string', value: 'x' } }],
  ])('accepts %s', (_name, values) => {
    const r = fill(values);
    expect(r.problems).toEqual([]);
    expect(r.node).toBeDefined();
  });

  it('returns frozen definitions and options', () => {
    const def = fillMissingValues({ input: 'readings', values: { qty: 0 } });
    expect(def.kind).toBe('FillMissingValues');
    expect(Object.isFrozen(def)).toBe(true);
    const r = runTransform(FillMissingValues, def, { readings });
    expect(Object.isFrozen(r.node!.options)).toBe(true);
    expect(Object.isFrozen(r.node!.options.fills)).toBe(true);
    expect(Object.isFrozen(r.node!.options.fills[0])).toBe(true);
  });

  it('reports every problem in one pass', () => {
    const r = fill({ qyt: 0, status: 0, day: '2024-13-01' });
    expect(r.problems.map((p) => p.path)).toEqual(['transforms.node.values.qyt', 'transforms.node.values.status', 'transforms.node.values.day']);
  });

  it.each([
    ['no values', {}, 'transforms.node.values', 'expected { column: value } naming at least one column, got an object', undefined],
    ['values that are a list', [0], 'transforms.node.values', 'got a list', undefined],
    ['values that are an expression', lit(0), 'transforms.node.values', 'got an object', undefined],
    ['missing values', undefined, 'transforms.node.values', 'got nothing', undefined],
    ['an unknown column', { qtty: 0 }, 'transforms.node.values.qtty', 'unknown column "qtty" in input "readings"', 'did you mean "qty"?'],
    [
      'a struct field',
      { 'customer.name': 'x' },
      'transforms.node.values["customer.name"]',
      '"customer.name" is a field inside struct "customer", and FillMissingValues works on top-level columns',
      'applyMapping',
    ],
    ['a null value', { status: null }, 'transforms.node.values.status', 'expected a fill value (a string, number, boolean or lit(...)), got null', 'leave the column out'],
    ['a NULL literal', { status: lit(null) }, 'transforms.node.values.status', 'NULL is not a fill value', 'leave the column out'],
    ['an expression', { qty: col('small') }, 'transforms.node.values.qty', 'a fill value must be a constant, got an expression (col)', 'write the value itself'],
    ['a computed value', { qty: lit(1).plus(1) }, 'transforms.node.values.qty', 'a fill value must be a constant, got an expression (arith)', 'write the value itself'],
    ['a value that is not a literal', { qty: {} }, 'transforms.node.values.qty', 'unsupported literal value (object)', 'literals are strings, numbers'],
    ['an unsafe integer', { qty: 2 ** 60 }, 'transforms.node.values.qty', "beyond JavaScript's exact range", 'BigInt'],
    [
      'a string in an int column',
      { qty: '0' },
      'transforms.node.values.qty',
      `cannot fill int column "qty" with string value '0'`,
      'Spark would convert it silently',
    ],
    ['a number in a string column', { status: 0 }, 'transforms.node.values.status', 'cannot fill string column "status" with int value 0', 'Spark would convert it silently'],
    ['a boolean in an int column', { qty: true }, 'transforms.node.values.qty', 'cannot fill int column "qty" with boolean value TRUE', 'write a value of type int'],
    ['a string in an array column', { tags: 'x' }, 'transforms.node.values.tags', "cannot fill array<string> column \"tags\" with string value 'x'", 'write a value of type array<string>'],
    ['a date in a boolean column', { flag: lit.date('2024-01-01') }, 'transforms.node.values.flag', "cannot fill boolean column \"flag\" with date value DATE '2024-01-01'", 'write a value of type boolean'],
    ['an invalid date string', { day: '2024-02-30' }, 'transforms.node.values.day', '"2024-02-30" is not a valid date', "write 'yyyy-mm-dd'"],
    ['a non-date string in a timestamp column', { seen_at: 'never' }, 'transforms.node.values.seen_at', '"never" is not a valid timestamp', "write 'yyyy-mm-dd hh:mm:ss'"],
    ['an invalid date literal', { day: lit.date('2024-1-1') }, 'transforms.node.values.day', 'invalid date literal "2024-1-1"', "write 'yyyy-mm-dd'"],
    ['a fraction in an int column', { qty: 2.5 }, 'transforms.node.values.qty', 'fill value 2.5D does not fit int', 'Spark would drop the fraction'],
    [
      'an int too big for the column',
      { qty: 3_000_000_000 },
      'transforms.node.values.qty',
      'fill value 3000000000L does not fit int',
      'Spark would wrap it around: int holds -2147483648 to 2147483647',
    ],
    ['an int too small for a tinyint', { small: -129 }, 'transforms.node.values.small', 'fill value -129 does not fit tinyint', 'tinyint holds -128 to 127'],
    ['a decimal with too many places', { price: lit.decimal('1.005') }, 'transforms.node.values.price', 'fill value 1.005BD does not fit decimal(8,2)', 'Spark would round it to 2 decimal places'],
    ['a double with too many places', { price: 0.125 }, 'transforms.node.values.price', 'fill value 0.125D does not fit decimal(8,2)', 'round it to 2 decimal places'],
    ['a number too big for a decimal', { price: 1_000_000 }, 'transforms.node.values.price', 'fill value 1000000 does not fit decimal(8,2)', 'Spark would store NULL instead'],
    ['a tiny double in a decimal column', { price: 1e-7 }, 'transforms.node.values.price', 'fill value 1e-7D does not fit decimal(8,2)', "write it with lit.decimal('...')"],
    ['a string longer than a varchar column', { code: 'ABCD' }, 'transforms.node.values.code', "fill value 'ABCD' does not fit varchar(3)", 'it has 4 characters; varchar(3) holds at most 3'],
  ])('rejects %s', (_name, values, path, message, hint) => {
    const r = fill(values as never);
    expectOneProblem(r, path, message, hint);
  });

  it('generates syntactically valid Python', () => {
    const cases: Record<string, FillValue>[] = [
      { status: 'say "hi"\\n', qty: -5, price: lit.decimal('-0.50') },
      { day: '2024-01-31', seen_at: lit.timestamp('2024-01-31 10:00:00'), flag: true, 'a.b': 5n },
    ];
    const lines = cases.flatMap((values) => {
      const r = fill(values);
      expect(r.problems).toEqual([]);
      return r.pyspark!;
    });
    expectValidPython(lines);
  });
});
