import { describe, expect, it } from 'vitest';
import { Join, join, type JoinDefinition } from '../../transforms/join.js';
import { expectValidPython } from '../support/python.js';
import { runTransform, schemaText } from '../support/transform-harness.js';

const orders = {
  order_id: 'bigint',
  customer_id: 'int',
  amount: 'decimal(12,2)',
  address: 'struct<city:string>',
  tags: 'map<string,string>',
};
const customers = { customer_id: { type: 'bigint', nullable: false }, name: { type: 'string', nullable: false } };
const accounts = { acct_id: { type: 'bigint', nullable: false }, holder: 'string', Amount: 'decimal(10,2)' };
const payments = { order_id: 'bigint', amount: 'decimal(12,2)', paid_at: 'timestamp' };
const labels = { tags: 'map<string,string>', label: 'string' };
const inputs = { orders, customers, accounts, payments, labels };

const run = (props: Omit<JoinDefinition, 'kind'>) => runTransform(Join, join(props), inputs);


describe('Join', () => {
  describe('on keys with one name (USING join)', () => {
    it('outputs each key once, then the left and right columns, and prints a USING join', () => {
      const r = run({ left: 'orders', right: 'customers', on: ['customer_id'] });
      expect(r.problems).toEqual([]);
      // Spark outputs the left key for an inner join, with the left's type.
      expect(schemaText(r.node)).toEqual([
        'customer_id: int?',
        'order_id: bigint?',
        'amount: decimal(12,2)?',
        'address: struct<city:string>?',
        'tags: map<string,string>?',
        'name: string',
      ]);
      expect(r.pyspark).toEqual(['df_node = df_orders.join(df_customers, on=["customer_id"], how="inner")']);
      expect(r.studio).toEqual({
        node: {
          SparkSQL: {
            Name: 'node',
            Inputs: ['orders', 'customers'],
            SqlQuery: 'SELECT * FROM `orders` INNER JOIN `customers` USING (`customer_id`)',
            SqlAliases: [
              { From: 'orders', Alias: 'orders' },
              { From: 'customers', Alias: 'customers' },
            ],
            OutputSchemas: [
              {
                Columns: [
                  { Name: 'customer_id', Type: 'int' },
                  { Name: 'order_id', Type: 'bigint' },
                  { Name: 'amount', Type: 'decimal(12,2)' },
                  { Name: 'address', Type: 'struct<city:string>' },
                  { Name: 'tags', Type: 'map<string,string>' },
                  { Name: 'name', Type: 'string' },
                ],
              },
            ],
          },
        },
      });
      expectValidPython(r.pyspark);
    });

    it.each([
      ['left', 'left', 'LEFT OUTER JOIN', ['customer_id: int?', 'order_id: bigint?', 'name: string?']],
      // The right join outputs the right key: its type and its NOT NULL.
      ['right', 'right', 'RIGHT OUTER JOIN', ['customer_id: bigint', 'order_id: bigint?', 'name: string']],
      // coalesce(left, right): the common type, NULL when an unmatched side's key can be.
      ['outer', 'full', 'FULL OUTER JOIN', ['customer_id: bigint?', 'order_id: bigint?', 'name: string?']],
    ] as const)('makes the unmatched side nullable for a %s join', (how, sparkHow, sqlJoin, schema) => {
      const r = runTransform(Join, join({ left: 'slim', right: 'customers', on: ['customer_id'], how }), {
        slim: { customer_id: 'int', order_id: 'bigint' },
        customers,
      });
      expect(r.problems).toEqual([]);
      expect(schemaText(r.node)).toEqual(schema);
      expect(r.pyspark).toEqual([`df_node = df_slim.join(df_customers, on=["customer_id"], how="${sparkHow}")`]);
      expect((r.studio!.node as { SparkSQL: { SqlQuery: string } }).SparkSQL.SqlQuery).toBe(
        `SELECT * FROM \`slim\` ${sqlJoin} \`customers\` USING (\`customer_id\`)`,
      );
    });

    it('keeps an outer join key NOT NULL only when both sides are', () => {
      const r = runTransform(Join, join({ left: 'a', right: 'b', on: ['k', 'j'], how: 'outer' }), {
        a: { k: { type: 'int', nullable: false }, j: { type: 'date', nullable: false }, x: { type: 'string', nullable: false } },
        b: { k: { type: 'decimal(5,2)', nullable: false }, j: 'timestamp', y: 'string' },
      });
      expect(r.problems).toEqual([]);
      expect(schemaText(r.node)).toEqual(['k: decimal(12,2)', 'j: timestamp?', 'x: string?', 'y: string?']);
      expect(r.pyspark).toEqual(['df_node = df_a.join(df_b, on=["k", "j"], how="full")']);
    });

    it('accepts a same-name pair as a USING key', () => {
      const r = run({ left: 'orders', right: 'customers', on: [['customer_id', 'customer_id']] });
      expect(r.problems).toEqual([]);
      expect(r.node!.options).toEqual({ how: 'inner', mode: 'using', keys: [{ left: 'customer_id', right: 'customer_id' }] });
    });
  });

  describe('on keys with different names', () => {
    it('outputs both sides in full, nulls the right side for a left join, and uses a native Join node', () => {
      const r = run({ left: 'customers', right: 'accounts', on: [['customer_id', 'acct_id']], how: 'left' });
      expect(r.problems).toEqual([]);
      expect(schemaText(r.node)).toEqual(['customer_id: bigint', 'name: string', 'acct_id: bigint?', 'holder: string?', 'Amount: decimal(10,2)?']);
      expect(r.pyspark).toEqual(['df_node = df_customers.join(df_accounts, on=(df_customers["customer_id"] == df_accounts["acct_id"]), how="left")']);
      expect(r.studio).toEqual({
        node: {
          Join: {
            Name: 'node',
            Inputs: ['customers', 'accounts'],
            JoinType: 'left',
            Columns: [
              { From: 'customers', Keys: [['customer_id']] },
              { From: 'accounts', Keys: [['acct_id']] },
            ],
          },
        },
      });
      expectValidPython(r.pyspark);
    });

    it.each([
      ['inner', 'inner', 'equijoin', ['k: int', 'v: string', 'k2: bigint', 'w: string']],
      ['right', 'right', 'right', ['k: int?', 'v: string?', 'k2: bigint', 'w: string']],
      ['outer', 'full', 'outer', ['k: int?', 'v: string?', 'k2: bigint?', 'w: string?']],
    ] as const)('%s join: nullability, Spark name and Studio join type', (how, sparkHow, studioType, schema) => {
      const r = runTransform(Join, join({ left: 'a', right: 'b', on: [['k', 'k2']], how }), {
        a: { k: { type: 'int', nullable: false }, v: { type: 'string', nullable: false } },
        b: { k2: { type: 'bigint', nullable: false }, w: { type: 'string', nullable: false } },
      });
      expect(r.problems).toEqual([]);
      expect(schemaText(r.node)).toEqual(schema);
      expect(r.pyspark).toEqual([`df_node = df_a.join(df_b, on=(df_a["k"] == df_b["k2"]), how="${sparkHow}")`]);
      expect((r.studio!.node as { Join: { JoinType: string } }).Join.JoinType).toBe(studioType);
    });

    it('ANDs several keys and backquotes column names that contain dots', () => {
      const r = runTransform(Join, join({ left: 'a', right: 'b', on: [['x.y', 'p'], ['n', 'q']] }), {
        a: { 'x.y': 'string', n: 'int' },
        b: { p: 'string', q: 'bigint' },
      });
      expect(r.problems).toEqual([]);
      expect(r.pyspark).toEqual(['df_node = df_a.join(df_b, on=(df_a["`x.y`"] == df_b["p"]) & (df_a["n"] == df_b["q"]), how="inner")']);
      expect((r.studio!.node as { Join: { Columns: unknown } }).Join.Columns).toEqual([
        { From: 'a', Keys: [['x.y'], ['n']] },
        { From: 'b', Keys: [['p'], ['q']] },
      ]);
      expectValidPython(r.pyspark);
    });
  });

  describe('semi and anti joins', () => {
    it('output the left schema in its own order, even on a key with one name', () => {
      // A USING semi join would move the key first; a condition keeps the left order.
      const r = run({ left: 'orders', right: 'payments', on: ['order_id', 'amount'], how: 'leftsemi' });
      expect(r.problems).toEqual([]);
      expect(schemaText(r.node)).toEqual(['order_id: bigint?', 'customer_id: int?', 'amount: decimal(12,2)?', 'address: struct<city:string>?', 'tags: map<string,string>?']);
      expect(r.pyspark).toEqual([
        'df_node = df_orders.join(df_payments, on=(df_orders["order_id"] == df_payments["order_id"]) & (df_orders["amount"] == df_payments["amount"]), how="left_semi")',
      ]);
      expect((r.studio!.node as { SparkSQL: { SqlQuery: string } }).SparkSQL.SqlQuery).toBe(
        'SELECT * FROM `orders` LEFT SEMI JOIN `payments` ON (`orders`.`order_id` = `payments`.`order_id`) AND (`orders`.`amount` = `payments`.`amount`)',
      );
      expectValidPython(r.pyspark);
    });

    it('use a native Join node when every key pair differs in name', () => {
      const r = run({ left: 'customers', right: 'accounts', on: [['customer_id', 'acct_id']], how: 'leftanti' });
      expect(r.problems).toEqual([]);
      expect(schemaText(r.node)).toEqual(['customer_id: bigint', 'name: string']);
      expect(r.pyspark).toEqual(['df_node = df_customers.join(df_accounts, on=(df_customers["customer_id"] == df_accounts["acct_id"]), how="left_anti")']);
      expect((r.studio!.node as { Join: { JoinType: string } }).Join.JoinType).toBe('leftanti');
    });

    it('ignore columns that the right side shares with the left', () => {
      const r = run({ left: 'orders', right: 'payments', on: ['order_id'], how: 'leftanti' });
      expect(r.problems).toEqual([]);
    });
  });

  it('returns frozen options', () => {
    const r = run({ left: 'orders', right: 'customers', on: ['customer_id'] });
    expect(Object.isFrozen(r.node!.options)).toBe(true);
    expect(Object.isFrozen(r.node!.options.keys)).toBe(true);
  });

  it('reports every problem at once', () => {
    const r = runTransform(Join, join({ left: 'orders', right: 'customers', on: ['nope', ['order_id', 'name']], how: 'sideways' as never }), inputs);
    expect(r.problems.map((p) => p.path)).toEqual([
      'transforms.node.how',
      'transforms.node.on[0]',
      'transforms.node.on[0]',
      'transforms.node.on[1]',
    ]);
  });

  it.each([
    ['an empty key list', { on: [] }, 'transforms.node.on', 'expected a non-empty list of join keys', 'on: ["customer_id"]'],
    ['keys that are not a list', { on: 'customer_id' }, 'transforms.node.on', 'expected a non-empty list of join keys (column names or [leftColumn, rightColumn] pairs), got "customer_id"', undefined],
    ['a key that is neither a name nor a pair', { on: [42] }, 'transforms.node.on[0]', 'expected a column name or a [leftColumn, rightColumn] pair, got number 42', undefined],
    ['a pair of three names', { on: [['a', 'b', 'c']] }, 'transforms.node.on[0]', 'expected a [leftColumn, rightColumn] pair, got a list of 3', undefined],
    ['a pair with an empty name', { on: [['customer_id', '']] }, 'transforms.node.on[0][1]', 'expected a column name, got ""', undefined],
    ['a key listed twice', { on: ['customer_id', 'customer_id'] }, 'transforms.node.on[1]', 'the key "customer_id" is listed twice', undefined],
    ['an unknown left key, with a suggestion', { on: [['custmer_id', 'customer_id']] }, 'transforms.node.on[0][0]', 'unknown column "custmer_id" in input "orders"', 'did you mean "customer_id"?'],
    ['an unknown right key, with a suggestion', { on: [['customer_id', 'nam']] }, 'transforms.node.on[0][1]', 'unknown column "nam" in input "customers"', 'did you mean "name"?'],
    ['a struct field as a key', { on: [['address.city', 'name']] }, 'transforms.node.on[0][0]', 'join keys must be top-level columns, and "address.city" is a field inside a struct of input "orders"', 'applyMapping'],
    ['keys of incompatible types', { on: [['customer_id', 'name']] }, 'transforms.node.on[0]', 'cannot join int with string (left "customer_id", right "name")', 'cast one side explicitly'],
    ['a number key against a boolean', { on: [['order_id', 'customer_id']], right: 'flags' }, 'transforms.node.on[0]', 'cannot join bigint with boolean', 'cast one side (applyMapping) so that both keys have the same type'],
    ['an unknown join type, with Spark\'s spelling mapped', { how: 'full' }, 'transforms.node.how', 'expected a join type (one of "inner", "left", "right", "outer", "leftsemi", "leftanti"), got "full"', 'did you mean "outer"?'],
    ['a join type in the wrong case', { how: 'LEFT' }, 'transforms.node.how', 'got "LEFT"', 'did you mean "left"?'],
    ['a join type that is not a string', { how: 1 }, 'transforms.node.how', 'got number 1', undefined],
    ['the same node on both sides', { right: 'orders', on: ['order_id'] }, 'transforms.node.right', 'the right input is the same node as the left ("orders")', 'selects and renames the columns of one side'],
    ['a missing left input', { left: undefined }, 'transforms.node.left', 'expected the id of the left input node, got nothing', undefined],
    ['a shared column in a USING join', { right: 'payments', on: ['order_id'] }, 'transforms.node.right', 'both inputs have a column "amount", and the output cannot hold it twice', 'rename it on one side with renameField or applyMapping'],
    ['a shared column that differs in case', { right: 'accounts', on: [['customer_id', 'acct_id']] }, 'transforms.node.right', 'column "Amount" of input "accounts" clashes with "amount" of input "orders" (Glue\'s catalog is case-insensitive)', 'rename it on one side'],
    ['a same-name key among differently named ones', { right: 'cust2', on: ['customer_id', ['order_id', 'cid']] }, 'transforms.node.on[0]', 'both inputs have a column "customer_id", and a join on differently named keys keeps every column of both sides', 'rename it on one side with renameField or applyMapping'],
    ['a map key', { right: 'labels', on: ['tags'] }, 'transforms.node.on[0]', 'cannot join on map<string,string> ("tags"): Spark cannot compare maps for equality', undefined],
  ] as const)('rejects %s', (_name, props, path, message, hint) => {
    const def = join({ left: 'orders', right: 'customers', on: ['customer_id'], ...(props as object) } as Omit<JoinDefinition, 'kind'>);
    const r = runTransform(Join, def, {
      ...inputs,
      flags: { flag: 'boolean', customer_id: 'boolean' },
      cust2: { customer_id: 'bigint', cid: 'int', nick: 'string' },
    });
    expect(r.node).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe(path);
    expect(r.problems[0]!.message).toContain(message);
    if (hint) expect(r.problems[0]!.hint).toContain(hint);
  });
});
