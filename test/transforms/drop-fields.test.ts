import { describe, expect, it } from 'vitest';
import { DropFields, dropFields } from '../../transforms/drop-fields.js';
import { expectValidPython } from '../support/python.js';
import { expectOneProblem, runTransform, schemaText } from '../support/transform-harness.js';

const orders = [
  { name: 'order_id', type: 'bigint', nullable: false },
  { name: 'status', type: 'string' },
  { name: 'customer', type: 'struct<name:string,city:string>' },
  { name: 'a.b', type: 'int' },
];

const run = (fields: readonly string[]) => runTransform(DropFields, dropFields({ input: 'orders', fields }), { orders });


describe('DropFields', () => {
  it('outputs the other columns, in input order', () => {
    const r = run(['customer', 'status']);
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['order_id: bigint', 'a.b: int?']);
    expect(r.pyspark).toEqual(['df_node = df_orders.drop("customer", "status")']);
    expect(r.studio).toEqual({ node: { DropFields: { Name: 'node', Inputs: ['orders'], Paths: [['customer'], ['status']] } } });
  });

  it('drops a column whose name has a dot by its literal name', () => {
    const r = run(['a.b']);
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['order_id: bigint', 'status: string?', 'customer: struct<name:string,city:string>?']);
    expect(r.pyspark).toEqual(['df_node = df_orders.drop("a.b")']);
    expect(r.studio).toMatchObject({ node: { DropFields: { Paths: [['a.b']] } } });
  });

  it('returns frozen definitions and options', () => {
    const def = dropFields({ input: 'orders', fields: ['status'] });
    expect(def.kind).toBe('DropFields');
    expect(Object.isFrozen(def)).toBe(true);
    const r = runTransform(DropFields, def, { orders });
    expect(Object.isFrozen(r.node!.options)).toBe(true);
    expect(Object.isFrozen(r.node!.options.fields)).toBe(true);
    expect(Object.isFrozen(r.node!.schema)).toBe(true);
  });

  it.each([
    ['an empty list', [], 'transforms.node.fields', 'expected a non-empty list of column names', undefined],
    ['fields that are not a list', { status: true }, 'transforms.node.fields', 'expected a non-empty list of column names, got an object', undefined],
    ['an empty name', [''], 'transforms.node.fields[0]', 'expected a column name, got ""', undefined],
    ['an unknown column', ['Status'], 'transforms.node.fields[0]', 'unknown column "Status" in input "orders"', 'did you mean "status"?'],
    ['a column listed twice', ['status', 'order_id', 'status'], 'transforms.node.fields[2]', '"status" is listed twice', undefined],
    [
      'a struct field, which Spark would silently keep',
      ['customer.city'],
      'transforms.node.fields[0]',
      '"customer.city" is a field inside struct "customer", and DropFields works on top-level columns',
      'to drop the whole struct, list "customer"',
    ],
    [
      'dropping every column',
      ['order_id', 'status', 'customer', 'a.b'],
      'transforms.node.fields',
      'this drops every column of input "orders"',
      'use selectFields to say which to keep',
    ],
  ])('rejects %s', (_name, fields, path, message, hint) => {
    const r = run(fields as never);
    expectOneProblem(r, path, message, hint);
  });

  it('generates syntactically valid Python', () => {
    const lines = [['status'], ['a.b', 'customer']].flatMap((fields) => run(fields).pyspark!);
    expect(lines).toHaveLength(2);
    expectValidPython(lines);
  });
});
