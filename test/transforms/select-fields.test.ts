import { describe, expect, it } from 'vitest';
import { SelectFields, selectFields } from '../../transforms/select-fields.js';
import { expectValidPython } from '../support/python.js';
import { expectOneProblem, runTransform, schemaText } from '../support/transform-harness.js';

const orders = [
  { name: 'order_id', type: 'bigint', nullable: false },
  { name: 'status', type: 'string', comment: 'PAID or SHIPPED' },
  { name: 'customer', type: 'struct<name:string,city:string>' },
  { name: 'a.b', type: 'int' },
];

const run = (fields: readonly string[]) => runTransform(SelectFields, selectFields({ input: 'orders', fields }), { orders });


describe('SelectFields', () => {
  it('outputs the listed columns in the listed order', () => {
    const r = run(['status', 'order_id']);
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['status: string?', 'order_id: bigint']);
    expect(r.pyspark).toEqual(['df_node = df_orders.select(F.col("status"), F.col("order_id"))']);
    expect(r.studio).toEqual({ node: { SelectFields: { Name: 'node', Inputs: ['orders'], Paths: [['status'], ['order_id']] } } });
  });

  it('keeps each column as it is: type, nullability and comment', () => {
    const r = run(['customer', 'status']);
    expect(schemaText(r.node)).toEqual(['customer: struct<name:string,city:string>?', 'status: string?']);
    expect(r.node!.schema[1]!.comment).toBe('PAID or SHIPPED');
  });

  it('selects a column whose name has a dot as a whole column', () => {
    const r = run(['a.b']);
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['a.b: int?']);
    expect(r.pyspark).toEqual(['df_node = df_orders.select(F.col("`a.b`"))']);
    expect(r.studio).toMatchObject({ node: { SelectFields: { Paths: [['a.b']] } } });
  });

  it('returns frozen definitions and options', () => {
    const def = selectFields({ input: 'orders', fields: ['status'] });
    expect(def.kind).toBe('SelectFields');
    expect(Object.isFrozen(def)).toBe(true);
    const r = runTransform(SelectFields, def, { orders });
    expect(Object.isFrozen(r.node!.options)).toBe(true);
    expect(Object.isFrozen(r.node!.options.fields)).toBe(true);
  });

  it('reports every problem in one pass', () => {
    const r = run(['customer.name', 'statuss', 'order_id', 'order_id']);
    expect(r.problems.map((p) => p.path)).toEqual(['transforms.node.fields[1]', 'transforms.node.fields[3]', 'transforms.node.fields[0]']);
  });

  it.each([
    ['an empty list', [], 'transforms.node.fields', 'expected a non-empty list of column names, got a list', undefined],
    ['fields that are not a list', 'status', 'transforms.node.fields', 'expected a non-empty list of column names, got "status"', undefined],
    ['a name that is not a string', [3], 'transforms.node.fields[0]', 'expected a column name, got number 3', undefined],
    ['an unknown column', ['order_id', 'statsu'], 'transforms.node.fields[1]', 'unknown column "statsu" in input "orders"', 'did you mean "status"?'],
    ['a column listed twice', ['status', 'status'], 'transforms.node.fields[1]', '"status" is listed twice', undefined],
    [
      'a struct field',
      ['customer.city'],
      'transforms.node.fields[0]',
      '"customer.city" is a field inside struct "customer", and SelectFields works on top-level columns',
      'use applyMapping({ mappings: [{ from: "customer.city" }] })',
    ],
    ['an unknown struct field', ['customer.cty'], 'transforms.node.fields[0]', 'struct "customer" has no field "cty"', 'did you mean "city"?'],
  ])('rejects %s', (_name, fields, path, message, hint) => {
    const r = run(fields as never);
    expectOneProblem(r, path, message, hint);
  });

  it('generates syntactically valid Python', () => {
    const lines = [['status', 'order_id'], ['a.b', 'customer']].flatMap((fields) => run(fields).pyspark!);
    expect(lines).toHaveLength(2);
    expectValidPython(lines);
  });
});
