import { describe, expect, it } from 'vitest';
import { SparkSql, sparkSql, type SparkSqlDefinition } from '../../transforms/spark-sql.js';
import { expectValidPython } from '../support/python.js';
import { runTransform, schemaText } from '../support/transform-harness.js';

const orders = { order_id: 'bigint', customer_id: 'bigint', amount: 'decimal(12,2)' };
const customers = { id: 'bigint', name: 'string' };


const query = 'SELECT c.name, sum(o.amount) AS total, count(*) AS n FROM o JOIN c ON o.customer_id = c.id GROUP BY c.name';

describe('SparkSQL', () => {
  it('outputs the declared schema, registers each alias and casts the result to the declared types', () => {
    const r = runTransform(
      SparkSql,
      sparkSql({
        inputs: { o: 'orders', c: 'customers' },
        query,
        schema: { name: 'string', total: 'decimal(22,2)', n: { type: 'int', nullable: false } },
      }),
      { orders, customers },
    );
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['name: string?', 'total: decimal(22,2)?', 'n: int']);
    expect(r.node!.inputs).toEqual(['orders', 'customers']);
    expect(r.pyspark).toEqual([
      'df_orders.createOrReplaceTempView("o")',
      'df_customers.createOrReplaceTempView("c")',
      `df_node = spark.sql("${query}")`,
      'df_node = df_node.select(F.col("name").cast("string").alias("name"), F.col("total").cast("decimal(22,2)").alias("total"), F.col("n").cast("int").alias("n"))',
    ]);
    expect(r.studio).toEqual({
      node: {
        SparkSQL: {
          Name: 'node',
          Inputs: ['orders', 'customers'],
          SqlQuery: query,
          SqlAliases: [
            { From: 'orders', Alias: 'o' },
            { From: 'customers', Alias: 'c' },
          ],
          OutputSchemas: [{ Columns: [{ Name: 'name', Type: 'string' }, { Name: 'total', Type: 'decimal(22,2)' }, { Name: 'n', Type: 'int' }] }],
        },
      },
    });
    expectValidPython(r.pyspark);
  });

  it('reads one node under two aliases (a self join) as a single input', () => {
    const r = runTransform(
      SparkSql,
      sparkSql({
        inputs: { a: 'orders', b: 'orders' },
        query: 'SELECT a.order_id, b.order_id AS next_id FROM a JOIN b ON b.order_id = a.order_id + 1',
        schema: { order_id: 'bigint', next_id: 'bigint' },
      }),
      { orders },
    );
    expect(r.problems).toEqual([]);
    expect(r.node!.inputs).toEqual(['orders']);
    expect(r.pyspark!.slice(0, 2)).toEqual(['df_orders.createOrReplaceTempView("a")', 'df_orders.createOrReplaceTempView("b")']);
    expect((r.studio!.node as { SparkSQL: { Inputs: unknown; SqlAliases: unknown } }).SparkSQL).toMatchObject({
      Inputs: ['orders'],
      SqlAliases: [
        { From: 'orders', Alias: 'a' },
        { From: 'orders', Alias: 'b' },
      ],
    });
  });

  it('prints any query as a valid Python string, and quotes dotted column names', () => {
    const tricky = "SELECT 'it''s' AS `a.b`, \"x\\y\" AS q\n-- a comment with \"\"\" and '''\nFROM o";
    const r = runTransform(SparkSql, sparkSql({ inputs: { o: 'orders' }, query: tricky, schema: { 'a.b': 'string', q: 'string' } }), { orders });
    expect(r.problems).toEqual([]);
    expect(r.pyspark![1]).toBe(`df_node = spark.sql(${JSON.stringify(tricky)})`);
    expect(r.pyspark![2]).toBe('df_node = df_node.select(F.col("`a.b`").cast("string").alias("a.b"), F.col("q").cast("string").alias("q"))');
    expectValidPython(r.pyspark);
  });

  it('warns about an alias the query never mentions, matching whole words and ignoring case', () => {
    const r = runTransform(
      SparkSql,
      sparkSql({ inputs: { orders: 'orders', cust: 'customers' }, query: 'SELECT * FROM ORDERS WHERE customer_id > 0', schema: orders }),
      { orders, customers },
    );
    expect(r.node).toBeDefined();
    expect(r.problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        path: 'transforms.node.inputs.cust',
        message: 'alias cust is never used in the query',
        hint: 'remove it from inputs, or read it in the query',
      }),
    ]);
  });

  it('returns frozen options', () => {
    const r = runTransform(SparkSql, sparkSql({ inputs: { o: 'orders' }, query: 'SELECT * FROM o', schema: orders }), { orders });
    expect(r.node!.options).toEqual({ aliases: [{ alias: 'o', id: 'orders' }], query: 'SELECT * FROM o' });
    expect(Object.isFrozen(r.node!.options)).toBe(true);
    expect(Object.isFrozen(r.node!.options.aliases)).toBe(true);
  });

  it.each([
    ['no inputs', { inputs: {} }, 'transforms.node.inputs', 'a SparkSQL node needs at least one input', 'inputs: { o: "orders" }'],
    ['inputs as a list', { inputs: ['orders'] }, 'transforms.node.inputs', 'expected the query\'s tables as { alias: node id }, got a list', undefined],
    ['an alias that is not an identifier', { inputs: { '1o': 'orders' }, query: 'SELECT * FROM 1o' }, 'transforms.node.inputs["1o"]', 'invalid alias "1o": an alias is a SQL identifier', undefined],
    ['two aliases that differ only in case', { inputs: { o: 'orders', O: 'customers' } }, 'transforms.node.inputs.O', 'alias "O" is the same table name as "o" (Spark ignores case)', undefined],
    ['an alias without a node id', { inputs: { o: 7 } }, 'transforms.node.inputs.o', 'expected the id of the node read as o, got number 7', undefined],
    ['an empty query', { query: '  ' }, 'transforms.node.query', 'expected a Spark SQL query, got "  "', undefined],
    ['a missing query', { query: undefined }, 'transforms.node.query', 'expected a Spark SQL query, got nothing', undefined],
    ['an invalid declared type', { schema: { order_id: 'bigint', amount: 'decimal(50,2)' } }, 'transforms.node.schema.amount', 'invalid type "decimal(50,2)"', undefined],
    ['a missing schema', { schema: undefined }, 'transforms.node.schema', 'expected a schema', undefined],
  ] as const)('rejects %s', (_name, props, path, message, hint) => {
    const def = sparkSql({ inputs: { o: 'orders' }, query: 'SELECT * FROM o', schema: orders, ...(props as object) } as Omit<SparkSqlDefinition, 'kind'>);
    const r = runTransform(SparkSql, def, { orders, customers });
    expect(r.node).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe(path);
    expect(r.problems[0]!.message).toContain(message);
    if (hint) expect(r.problems[0]!.hint).toContain(hint);
  });
});
