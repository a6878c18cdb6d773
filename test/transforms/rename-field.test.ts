import { describe, expect, it } from 'vitest';
import { RenameField, renameField } from '../../transforms/rename-field.js';
import { expectValidPython } from '../support/python.js';
import { expectOneProblem, runTransform, schemaText } from '../support/transform-harness.js';

const orders = [
  { name: 'order_id', type: 'bigint', nullable: false, comment: 'primary key' },
  { name: 'amount', type: 'decimal(12,2)' },
  { name: 'status', type: 'string' },
  { name: 'customer', type: 'struct<name:string,city:string>' },
  { name: 'a.b', type: 'int' },
];

const run = (from: string, to: string) => runTransform(RenameField, renameField({ input: 'orders', from, to }), { orders });


describe('RenameField', () => {
  it('renames the column in place, keeping its type and nullability', () => {
    const r = run('amount', 'total');
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual([
      'order_id: bigint',
      'total: decimal(12,2)?',
      'status: string?',
      'customer: struct<name:string,city:string>?',
      'a.b: int?',
    ]);
    expect(r.pyspark).toEqual(['df_node = df_orders.withColumnRenamed("amount", "total")']);
    expect(r.studio).toEqual({
      node: { RenameField: { Name: 'node', Inputs: ['orders'], SourcePath: ['amount'], TargetPath: ['total'] } },
    });
  });

  it('keeps a NOT NULL column NOT NULL, and its comment', () => {
    const r = run('order_id', 'id');
    expect(schemaText(r.node)[0]).toBe('id: bigint');
    expect(r.node!.schema[0]!.comment).toBe('primary key');
  });

  it('may change only the case of a name', () => {
    const r = run('status', 'Status');
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)[2]).toBe('Status: string?');
  });

  it('renames columns whose names have dots, literally', () => {
    const r = run('a.b', 'x.y');
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)[4]).toBe('x.y: int?');
    expect(r.pyspark).toEqual(['df_node = df_orders.withColumnRenamed("a.b", "x.y")']);
    expect(r.studio).toMatchObject({ node: { RenameField: { SourcePath: ['a.b'], TargetPath: ['x.y'] } } });
  });

  it('returns frozen definitions and options', () => {
    const def = renameField({ input: 'orders', from: 'amount', to: 'total' });
    expect(def.kind).toBe('RenameField');
    expect(Object.isFrozen(def)).toBe(true);
    const r = runTransform(RenameField, def, { orders });
    expect(Object.isFrozen(r.node!.options)).toBe(true);
    expect(Object.isFrozen(r.node!.schema)).toBe(true);
  });

  it('reports a bad from and a bad to together', () => {
    const r = run('amout', '');
    expect(r.problems.map((p) => p.path)).toEqual(['transforms.node.from', 'transforms.node.to']);
  });

  it.each([
    ['an unknown column', 'amout', 'total', 'transforms.node.from', 'unknown column "amout" in input "orders"', 'did you mean "amount"?'],
    ['a from that is not a string', 5, 'total', 'transforms.node.from', 'expected a column name, got number 5', undefined],
    [
      'a struct field',
      'customer.city',
      'city',
      'transforms.node.from',
      '"customer.city" is a field inside struct "customer", and RenameField works on top-level columns',
      'use applyMapping',
    ],
    ['an empty to', 'amount', '', 'transforms.node.to', 'expected a column name, got ""', undefined],
    ['a missing to', 'amount', undefined, 'transforms.node.to', 'expected a column name, got nothing', undefined],
    ['a to with a control character', 'amount', 'to\ntal', 'transforms.node.to', 'invalid column name "to\\ntal"', undefined],
    ['a rename to itself', 'amount', 'amount', 'transforms.node.to', 'this renames "amount" to itself', 'remove this node'],
    [
      'a to that duplicates another column',
      'amount',
      'STATUS',
      'transforms.node.to',
      'renaming "amount" to "STATUS" would duplicate column "status" (Glue\'s catalog is case-insensitive)',
      'drop "status" first',
    ],
  ])('rejects %s', (_name, from, to, path, message, hint) => {
    const r = run(from as never, to as never);
    expectOneProblem(r, path, message, hint);
  });

  it('generates syntactically valid Python', () => {
    const lines = [run('amount', 'total'), run('a.b', 'it\'s "quoted" \\ here')].flatMap((r) => {
      expect(r.problems).toEqual([]);
      return r.pyspark!;
    });
    expectValidPython(lines);
  });
});
