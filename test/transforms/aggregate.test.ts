import { describe, expect, it } from 'vitest';
import { Aggregate, aggregate, type AggFn, type AggregateDefinition } from '../../transforms/aggregate.js';
import { expectValidPython } from '../support/python.js';
import { runTransform, schemaText } from '../support/transform-harness.js';

const sales = {
  region: { type: 'string', nullable: false },
  store: 'int',
  amount: 'decimal(12,2)',
  qty: 'int',
  price: 'float',
  sold_on: 'date',
  note: 'string',
  big: 'decimal(38,10)',
  rate: 'decimal(36,34)',
  customer: 'struct<name:string,tier:int>',
  attrs: 'map<string,string>',
  'sale.id': 'bigint',
};


const run = (props: Omit<AggregateDefinition, 'kind' | 'input'>) => runTransform(Aggregate, aggregate({ input: 'sales', ...props }), { sales });

describe('Aggregate', () => {
  it('outputs the group columns, then the aggregates with Spark result types, and prints groupBy().agg()', () => {
    const r = run({
      groupBy: ['region', 'store'],
      aggregations: [
        { fn: 'sum', column: 'amount' },
        { fn: 'avg', column: 'amount', as: 'avg_amount' },
        { fn: 'count', column: '*' },
        { fn: 'countDistinct', column: 'note' },
        { fn: 'max', column: 'sold_on', as: 'last_sale' },
      ],
    });
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual([
      'region: string',
      'store: int?',
      'sum_amount: decimal(22,2)?',
      'avg_amount: decimal(16,6)?',
      'count: bigint',
      'countDistinct_note: bigint',
      'last_sale: date?',
    ]);
    expect(r.pyspark).toEqual([
      'df_node = df_sales.groupBy("region", "store").agg(' +
        'F.sum(F.col("amount")).alias("sum_amount"), ' +
        'F.avg(F.col("amount")).alias("avg_amount"), ' +
        'F.count(F.lit(1)).alias("count"), ' +
        'F.countDistinct(F.col("note")).alias("countDistinct_note"), ' +
        'F.max(F.col("sold_on")).alias("last_sale"))',
    ]);
    expect(r.studio).toEqual({
      node: {
        SparkSQL: {
          Name: 'node',
          Inputs: ['sales'],
          SqlQuery:
            'SELECT `region`, `store`, sum(`amount`) AS `sum_amount`, avg(`amount`) AS `avg_amount`, count(1) AS `count`, ' +
            'count(DISTINCT `note`) AS `countDistinct_note`, max(`sold_on`) AS `last_sale` FROM `sales` GROUP BY `region`, `store`',
          SqlAliases: [{ From: 'sales', Alias: 'sales' }],
          OutputSchemas: [
            {
              Columns: [
                { Name: 'region', Type: 'string' },
                { Name: 'store', Type: 'int' },
                { Name: 'sum_amount', Type: 'decimal(22,2)' },
                { Name: 'avg_amount', Type: 'decimal(16,6)' },
                { Name: 'count', Type: 'bigint' },
                { Name: 'countDistinct_note', Type: 'bigint' },
                { Name: 'last_sale', Type: 'date' },
              ],
            },
          ],
        },
      },
    });
    expectValidPython(r.pyspark);
  });

  it.each([
    ['sum', 'qty', 'bigint?'],
    ['sum', 'price', 'double?'],
    ['sum', 'amount', 'decimal(22,2)?'],
    ['sum', 'big', 'decimal(38,10)?'], // precision capped at 38, scale kept
    ['sumDistinct', 'amount', 'decimal(22,2)?'],
    ['avg', 'qty', 'double?'],
    ['avg', 'price', 'double?'],
    ['avg', 'amount', 'decimal(16,6)?'],
    ['avg', 'big', 'decimal(38,14)?'],
    ['avg', 'rate', 'decimal(38,38)?'],
    ['stddev_samp', 'amount', 'double?'],
    ['stddev_pop', 'qty', 'double?'],
    ['var_samp', 'price', 'double?'],
    ['var_pop', 'amount', 'double?'],
    ['kurtosis', 'qty', 'double?'],
    ['skewness', 'amount', 'double?'],
    ['min', 'note', 'string?'],
    ['max', 'customer', 'struct<name:string,tier:int>?'], // Spark orders structs: the arg-max idiom
    ['first', 'attrs', 'map<string,string>?'],
    ['last', 'sold_on', 'date?'],
    ['count', 'note', 'bigint'],
    ['countDistinct', 'qty', 'bigint'],
  ] as const)('%s(%s) is %s', (fn, column, type) => {
    const r = run({ groupBy: ['region'], aggregations: [{ fn, column }] });
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['region: string', `${fn}_${column}: ${type}`]);
  });

  it.each([
    ['avg', 'F.avg(F.col("qty"))', 'avg(`qty`)'],
    ['countDistinct', 'F.countDistinct(F.col("qty"))', 'count(DISTINCT `qty`)'],
    ['count', 'F.count(F.col("qty"))', 'count(`qty`)'],
    ['first', 'F.first(F.col("qty"), ignorenulls=False)', 'first(`qty`)'],
    ['last', 'F.last(F.col("qty"), ignorenulls=False)', 'last(`qty`)'],
    ['kurtosis', 'F.kurtosis(F.col("qty"))', 'kurtosis(`qty`)'],
    ['max', 'F.max(F.col("qty"))', 'max(`qty`)'],
    ['min', 'F.min(F.col("qty"))', 'min(`qty`)'],
    ['skewness', 'F.skewness(F.col("qty"))', 'skewness(`qty`)'],
    ['stddev_samp', 'F.stddev_samp(F.col("qty"))', 'stddev_samp(`qty`)'],
    ['stddev_pop', 'F.stddev_pop(F.col("qty"))', 'stddev_pop(`qty`)'],
    ['sum', 'F.sum(F.col("qty"))', 'sum(`qty`)'],
    ['sumDistinct', 'F.sum_distinct(F.col("qty"))', 'sum(DISTINCT `qty`)'],
    ['var_samp', 'F.var_samp(F.col("qty"))', 'var_samp(`qty`)'],
    ['var_pop', 'F.var_pop(F.col("qty"))', 'var_pop(`qty`)'],
  ] as const)('prints %s for PySpark and Spark SQL', (fn: AggFn, python, sql) => {
    const r = run({ groupBy: [], aggregations: [{ fn, column: 'qty', as: 'x' }] });
    expect(r.problems).toEqual([]);
    expect(r.pyspark).toEqual([`df_node = df_sales.agg(${python}.alias("x"))`]);
    expect((r.studio!.node as { SparkSQL: { SqlQuery: string } }).SparkSQL.SqlQuery).toBe(`SELECT ${sql} AS \`x\` FROM \`sales\``);
  });

  it('aggregates every row into one when groupBy is empty', () => {
    const r = run({ groupBy: [], aggregations: [{ fn: 'count', column: '*' }, { fn: 'sum', column: 'qty' }] });
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['count: bigint', 'sum_qty: bigint?']);
    expect(r.pyspark).toEqual(['df_node = df_sales.agg(F.count(F.lit(1)).alias("count"), F.sum(F.col("qty")).alias("sum_qty"))']);
    expect((r.studio!.node as { SparkSQL: { SqlQuery: string } }).SparkSQL.SqlQuery).toBe(
      'SELECT count(1) AS `count`, sum(`qty`) AS `sum_qty` FROM `sales`',
    );
    expectValidPython(r.pyspark);
  });

  it('reads struct fields by path and whole columns whose names contain dots', () => {
    const r = run({
      groupBy: ['sale.id'],
      aggregations: [
        { fn: 'max', column: 'customer.tier' },
        { fn: 'min', column: 'sale.id', as: 'lowest' },
      ],
    });
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['sale.id: bigint?', 'max_customer.tier: int?', 'lowest: bigint?']);
    expect(r.pyspark).toEqual([
      'df_node = df_sales.groupBy(F.col("`sale.id`")).agg(F.max(F.col("customer.tier")).alias("max_customer.tier"), F.min(F.col("`sale.id`")).alias("lowest"))',
    ]);
    expect((r.studio!.node as { SparkSQL: { SqlQuery: string } }).SparkSQL.SqlQuery).toBe(
      'SELECT `sale.id`, max(`customer`.`tier`) AS `max_customer.tier`, min(`sale.id`) AS `lowest` FROM `sales` GROUP BY `sale.id`',
    );
    expectValidPython(r.pyspark);
  });

  it('returns frozen options', () => {
    const r = run({ groupBy: ['region'], aggregations: [{ fn: 'sum', column: 'qty' }] });
    expect(r.node!.options).toEqual({ groupBy: ['region'], aggregations: [{ fn: 'sum', column: 'qty', wholeName: true, as: 'sum_qty' }] });
    expect(Object.isFrozen(r.node!.options)).toBe(true);
    expect(Object.isFrozen(r.node!.options.aggregations[0])).toBe(true);
  });

  it.each([
    ['an unknown function, with a suggestion', [{ fn: 'summ', column: 'qty' }], 'transforms.node.aggregations[0].fn', 'unknown aggregate function "summ"', 'did you mean "sum"?'],
    ['a SQL name for a Studio function', [{ fn: 'mean', column: 'qty' }], 'transforms.node.aggregations[0].fn', 'unknown aggregate function "mean"', 'did you mean "avg"?'],
    ['"*" with a function other than count', [{ fn: 'sum', column: '*' }], 'transforms.node.aggregations[0].column', '"*" only works with count; sum needs a column', undefined],
    ['a sum of strings', [{ fn: 'sum', column: 'note' }], 'transforms.node.aggregations[0].column', 'sum needs a numeric column, and "note" is string', 'cast it to a number first'],
    ['an average of dates', [{ fn: 'avg', column: 'sold_on' }], 'transforms.node.aggregations[0].column', 'avg needs a numeric column, and "sold_on" is date', undefined],
    ['the max of a map', [{ fn: 'max', column: 'attrs' }], 'transforms.node.aggregations[0].column', 'max cannot take "attrs": it is map<string,string>, and Spark cannot compare maps', undefined],
    ['an unknown column, with a suggestion', [{ fn: 'sum', column: 'amout' }], 'transforms.node.aggregations[0].column', 'unknown column "amout" in input "sales"', 'did you mean "amount"?'],
    ['a column that is not a name', [{ fn: 'sum', column: 5 }], 'transforms.node.aggregations[0].column', 'expected a column name (or "*" with count), got number 5', undefined],
    ['an aggregation that is not an object', ['sum(qty)'], 'transforms.node.aggregations[0]', 'expected an aggregation { fn, column, as? }, got "sum(qty)"', undefined],
    ['a misspelt field', [{ fn: 'sum', column: 'qty', alias: 'total' }], 'transforms.node.aggregations[0].alias', 'unknown field "alias" in an aggregation', 'available fields'],
    ['an output name with a backtick', [{ fn: 'sum', column: 'qty', as: 'a`b' }], 'transforms.node.aggregations[0].as', 'invalid output column name "a`b"', undefined],
    ['an output name equal to a group column', [{ fn: 'max', column: 'store', as: 'Region' }], 'transforms.node.aggregations[0].as', 'output column "Region" clashes with group column "region"', 'choose another name'],
    ['two aggregations with one default name', [{ fn: 'sum', column: 'qty' }, { fn: 'sum', column: 'qty' }], 'transforms.node.aggregations[1]', 'output column "sum_qty" clashes with the output of aggregations[0]', 'name the aggregation with as'],
    ['no aggregations', [], 'transforms.node.aggregations', 'expected a non-empty list of aggregations ({ fn, column, as? }), got a list', 'aggregations: [{ fn: "sum", column: "amount" }]'],
  ] as const)('rejects %s', (_name, aggregations, path, message, hint) => {
    const r = run({ groupBy: ['region'], aggregations: aggregations as unknown as AggregateDefinition['aggregations'] });
    expect(r.node).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe(path);
    expect(r.problems[0]!.message).toContain(message);
    if (hint) expect(r.problems[0]!.hint).toContain(hint);
  });

  it.each([
    ['group columns that are not a list', 'region', 'transforms.node.groupBy', 'expected a list of column names, got "region"', undefined],
    ['an unknown group column', ['regoin'], 'transforms.node.groupBy[0]', 'unknown column "regoin" in input "sales"', 'did you mean "region"?'],
    ['a struct field as a group column', ['customer.tier'], 'transforms.node.groupBy[0]', 'group columns must be top-level columns, and "customer.tier" is a field inside a struct', 'applyMapping'],
    ['a map group column', ['attrs'], 'transforms.node.groupBy[0]', 'cannot group by "attrs": it is map<string,string>, and Spark cannot compare maps', undefined],
    ['a group column listed twice', ['store', 'store'], 'transforms.node.groupBy[1]', '"store" is listed twice', undefined],
  ] as const)('rejects %s', (_name, groupBy, path, message, hint) => {
    const r = run({ groupBy: groupBy as unknown as string[], aggregations: [{ fn: 'count', column: '*' }] });
    expect(r.node).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe(path);
    expect(r.problems[0]!.message).toContain(message);
    if (hint) expect(r.problems[0]!.hint).toContain(hint);
  });

  it('reports problems in the group columns and the aggregations together', () => {
    const r = run({ groupBy: ['nope'], aggregations: [{ fn: 'sum', column: 'note' }, { fn: 'x' as AggFn, column: 'qty' }] });
    expect(r.problems.map((p) => p.path)).toEqual([
      'transforms.node.groupBy[0]',
      'transforms.node.aggregations[0].column',
      'transforms.node.aggregations[1].fn',
    ]);
  });
});
