import { describe, expect, it } from 'vitest';
import { Union, union, type UnionDefinition } from '../../transforms/union.js';
import { expectValidPython } from '../support/python.js';
import { runTransform, schemaText } from '../support/transform-harness.js';

const q1 = { id: { type: 'int', nullable: false }, amount: 'decimal(10,2)', name: 'string' };
// Same columns in another order, with wider types.
const q2 = { name: 'string', amount: 'decimal(12,4)', id: { type: 'bigint', nullable: false } };
const q3 = { id: 'bigint', amount: 'decimal(10,2)', name: 'varchar(20)' };
const same = { id: { type: 'int', nullable: false }, amount: 'decimal(10,2)', name: 'string' };


describe('Union', () => {
  it('matches columns by name, widens types, and casts the inputs whose types were widened', () => {
    const r = runTransform(Union, union({ inputs: ['q1', 'q2', 'q3'] }), { q1, q2, q3 });
    expect(r.problems).toEqual([]);
    // The first input's order; nullable when any input is.
    expect(schemaText(r.node)).toEqual(['id: bigint?', 'amount: decimal(12,4)?', 'name: string?']);
    expect(r.pyspark).toEqual([
      'df_node = df_q1.select(F.col("id").cast("bigint").alias("id"), F.col("amount").cast("decimal(12,4)").alias("amount"), F.col("name"))' +
        '.unionByName(df_q2)' +
        '.unionByName(df_q3.select(F.col("id"), F.col("amount").cast("decimal(12,4)").alias("amount"), F.col("name").cast("string").alias("name")))',
    ]);
    expectValidPython(r.pyspark);
  });

  it('uses a SparkSQL node in Studio when inputs differ in column order or type, because Studio unions by position', () => {
    const r = runTransform(Union, union({ inputs: ['q1', 'q2'], distinct: true }), { q1, q2 });
    expect(r.problems).toEqual([]);
    expect(r.studio).toEqual({
      node: {
        SparkSQL: {
          Name: 'node',
          Inputs: ['q1', 'q2'],
          SqlQuery:
            'SELECT CAST(`id` AS bigint) AS `id`, CAST(`amount` AS decimal(12,4)) AS `amount`, `name` FROM `q1` UNION SELECT `id`, `amount`, `name` FROM `q2`',
          SqlAliases: [
            { From: 'q1', Alias: 'q1' },
            { From: 'q2', Alias: 'q2' },
          ],
          OutputSchemas: [{ Columns: [{ Name: 'id', Type: 'bigint' }, { Name: 'amount', Type: 'decimal(12,4)' }, { Name: 'name', Type: 'string' }] }],
        },
      },
    });
  });

  it("widens int with float to float, Spark's numeric precedence", () => {
    const r = runTransform(Union, union({ inputs: ['a', 'b'] }), { a: { x: 'int' }, b: { x: 'float' } });
    expect(schemaText(r.node)).toEqual(['x: float?']);
    expect(r.pyspark).toEqual(['df_node = df_a.select(F.col("x").cast("float").alias("x")).unionByName(df_b)']);
  });

  it('widens float with double or decimal to double', () => {
    expect(schemaText(runTransform(Union, union({ inputs: ['a', 'b'] }), { a: { x: 'float' }, b: { x: 'double' } }).node)).toEqual(['x: double?']);
    expect(schemaText(runTransform(Union, union({ inputs: ['a', 'b'] }), { a: { x: 'float' }, b: { x: 'decimal(10,2)' } }).node)).toEqual(['x: double?']);
  });

  it('unions identical schemas without casts and chains native Union nodes in Studio', () => {
    const r = runTransform(Union, union({ inputs: ['a', 'b', 'c', 'd'], distinct: true }), { a: same, b: same, c: same, d: same });
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['id: int', 'amount: decimal(10,2)?', 'name: string?']);
    expect(r.pyspark).toEqual(['df_node = df_a.unionByName(df_b).unionByName(df_c).unionByName(df_d).distinct()']);
    expect(r.studio).toEqual({
      'node-1': { Union: { Name: 'node-1', Inputs: ['a', 'b'], UnionType: 'ALL' } },
      'node-2': { Union: { Name: 'node-2', Inputs: ['node-1', 'c'], UnionType: 'ALL' } },
      node: { Union: { Name: 'node', Inputs: ['node-2', 'd'], UnionType: 'DISTINCT' } },
    });
    expectValidPython(r.pyspark);
  });

  it('emits a single native Union node for two inputs', () => {
    const r = runTransform(Union, union({ inputs: ['a', 'b'] }), { a: same, b: same });
    expect(r.studio).toEqual({ node: { Union: { Name: 'node', Inputs: ['a', 'b'], UnionType: 'ALL' } } });
    expect(r.node!.options).toEqual({ distinct: false });
    expect(Object.isFrozen(r.node!.options)).toBe(true);
  });

  it('quotes column names that contain dots', () => {
    const r = runTransform(Union, union({ inputs: ['a', 'b'] }), { a: { 'x.y': 'int' }, b: { 'x.y': 'bigint' } });
    expect(r.pyspark).toEqual(['df_node = df_a.select(F.col("`x.y`").cast("bigint").alias("x.y")).unionByName(df_b)']);
    expect((r.studio!.node as { SparkSQL: { SqlQuery: string } }).SparkSQL.SqlQuery).toBe(
      'SELECT CAST(`x.y` AS bigint) AS `x.y` FROM `a` UNION ALL SELECT `x.y` FROM `b`',
    );
    expectValidPython(r.pyspark);
  });

  it('reports every input that does not fit', () => {
    const r = runTransform(Union, union({ inputs: ['a', 'b', 'c'] }), {
      a: { x: 'int', y: 'string' },
      b: { x: 'string', y: 'string' },
      c: { x: 'int' },
    });
    expect(r.problems.map((p) => [p.path, p.message])).toEqual([
      ['transforms.node.inputs[1]', 'column "x" is int in input "a" but string in input "b"'],
      ['transforms.node.inputs[2]', 'input "c" does not have the columns of input "a": missing "y"'],
    ]);
  });

  it.each([
    ['a missing and an extra column', { b: { id: 'int', amount: 'decimal(10,2)', title: 'string' } }, 'transforms.node.inputs[1]', 'input "b" does not have the columns of input "a": missing "name"; extra "title"', 'a union matches columns by name'],
    ['a column spelt in another case', { b: { id: 'int', amount: 'decimal(10,2)', Name: 'string' } }, 'transforms.node.inputs[1]', 'missing "name"; extra "Name"', 'column names must match exactly: "Name" here, "name" in input "a"'],
    ['types with no common type', { b: { id: 'int', amount: 'string', name: 'string' } }, 'transforms.node.inputs[1]', 'column "amount" is decimal(10,2) in input "a" but string in input "b"', 'a string and a number have no common type'],
    ['a number against a boolean', { b: { id: 'boolean', amount: 'decimal(10,2)', name: 'string' } }, 'transforms.node.inputs[1]', 'column "id" is int in input "a" but boolean in input "b"', 'cast the column in one of the inputs'],
    ['a single input', { inputs: ['a'] }, 'transforms.node.inputs', 'a union needs at least two inputs, got 1', undefined],
    ['inputs that are not a list', { inputs: 'a' }, 'transforms.node.inputs', 'expected a list of at least two node ids, got "a"', undefined],
    ['an input that is not an id', { inputs: ['a', 7] }, 'transforms.node.inputs[1]', 'expected a node id, got number 7', undefined],
    ['an input listed twice', { inputs: ['a', 'b', 'a'] }, 'transforms.node.inputs[2]', '"a" is listed twice', 'list each input once'],
    ['a distinct flag that is not a boolean', { distinct: 'yes' }, 'transforms.node.distinct', 'expected true or false, got "yes"', undefined],
    ['distinct over a map column', { distinct: true, a: { ...same, m: 'map<string,int>' }, b: { ...same, m: 'map<string,int>' } }, 'transforms.node.distinct', 'cannot remove duplicate rows: "m" is a map, and Spark cannot compare maps', 'distinct: false'],
  ] as const)('rejects %s', (_name, overrides, path, message, hint) => {
    const { inputs = ['a', 'b'], distinct, ...schemas } = overrides as { inputs?: unknown; distinct?: unknown; [id: string]: unknown };
    const def = union({ inputs, ...(distinct !== undefined && { distinct }) } as Omit<UnionDefinition, 'kind'>);
    const r = runTransform(Union, def, { a: same, b: same, ...(schemas as object) });
    expect(r.node).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe(path);
    expect(r.problems[0]!.message).toContain(message);
    if (hint) expect(r.problems[0]!.hint).toContain(hint);
  });
});
