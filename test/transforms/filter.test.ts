import { describe, expect, it } from 'vitest';
import { col, fn, lit } from '../../expr/expr.js';
import { Filter, filter } from '../../transforms/filter.js';
import { runTransform, schemaText } from '../support/transform-harness.js';

const orders = { order_id: 'bigint', amount: 'decimal(12,2)', status: 'string', order_date: 'date' };

describe('Filter', () => {
  it('keeps the input schema and prints the condition as Spark SQL', () => {
    const r = runTransform(Filter, filter({ input: 'orders', where: col('amount').gt(0).and(col('status').in(['PAID', "it's"])) }), { orders });
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['order_id: bigint?', 'amount: decimal(12,2)?', 'status: string?', 'order_date: date?']);
    expect(r.pyspark).toEqual([
      `df_node = df_orders.filter(F.expr("((\`amount\` > 0) AND (\`status\` IN ('PAID', 'it\\\\'s')))"))`,
    ]);
    expect(r.studio).toEqual({
      node: {
        SparkSQL: expect.objectContaining({
          Name: 'node',
          Inputs: ['orders'],
          SqlQuery: "SELECT * FROM `orders` WHERE ((`amount` > 0) AND (`status` IN ('PAID', 'it\\'s')))",
          SqlAliases: [{ From: 'orders', Alias: 'orders' }],
        }),
      },
    });
  });

  it('accepts a date string against a date column', () => {
    const r = runTransform(Filter, filter({ input: 'orders', where: col('order_date').ge('2024-01-01') }), { orders });
    expect(r.problems).toEqual([]);
  });

  it.each([
    ['an unknown column, with a suggestion', col('amout').gt(0), 'transforms.node.where.left', 'unknown column "amout" in input "orders"', 'did you mean "amount"?'],
    ['a string compared with a number', col('status').eq(1), 'transforms.node.where', 'cannot compare string with int', 'cast one side explicitly'],
    ['a comparison with null', col('status').eq(null), 'transforms.node.where', 'a comparison with NULL is never true', '.isNull()'],
    ['a non-boolean condition', col('amount'), 'transforms.node.where', 'a filter condition must be boolean', undefined],
    ['an invalid date string', col('order_date').lt('2024-02-30'), 'transforms.node.where', '"2024-02-30" is not a valid date', undefined],
    ['a bad function argument', fn.upper(col('amount')).eq('X'), 'transforms.node.where.left.args[0]', 'upper() argument 1 must be a string value, got decimal(12,2)', undefined],
    ['an impossible cast', col('order_date').cast('int').gt(0), 'transforms.node.where.left', 'Spark cannot cast date to int', undefined],
    ['an invalid regex', col('status').rlike('(['), 'transforms.node.where.pattern', 'invalid regular expression', undefined],
    ['an unsafe integer literal', col('order_id').eq(lit(2 ** 60)), 'transforms.node.where.right', "beyond JavaScript's exact range", undefined],
  ])('rejects %s', (_name, where, path, message, hint) => {
    const r = runTransform(Filter, filter({ input: 'orders', where }), { orders });
    expect(r.node).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe(path);
    expect(r.problems[0]!.message).toContain(message);
    if (hint) expect(r.problems[0]!.hint).toContain(hint);
  });
});
