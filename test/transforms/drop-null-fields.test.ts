import { describe, expect, it } from 'vitest';
import { DropNullFields, dropNullFields, type TreatAsNull } from '../../transforms/drop-null-fields.js';
import { expectValidPython } from '../support/python.js';
import { expectOneProblem, runTransform, schemaText } from '../support/transform-harness.js';

const events = [
  { name: 'id', type: 'bigint', nullable: false },
  { name: 'note', type: 'string' },
  { name: 'code', type: 'varchar(8)' },
  { name: 'score', type: 'int' },
  { name: 'price', type: 'decimal(8,2)' },
  { name: 'ratio', type: 'double' },
  { name: 'tags', type: 'array<string>' },
  { name: 'a.b', type: 'smallint' },
];

const run = (treatAsNull?: TreatAsNull) =>
  runTransform(DropNullFields, dropNullFields({ input: 'events', ...(treatAsNull !== undefined && { treatAsNull }) }), { events });

const countOf = (column: string) => `F.count(F.col("${column}")).alias("${column}")`;


describe('DropNullFields', () => {
  it('keeps the input schema as an upper bound, since the dropped columns depend on the data', () => {
    const r = run();
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual([
      'id: bigint',
      'note: string?',
      'code: varchar(8)?',
      'score: int?',
      'price: decimal(8,2)?',
      'ratio: double?',
      'tags: array<string>?',
      'a.b: smallint?',
    ]);
  });

  it('counts the values of every column in one pass, then drops the columns with none', () => {
    const r = run();
    expect(r.pyspark).toEqual([
      'df_node_counts = df_events.select(' +
        ['id', 'note', 'code', 'score', 'price', 'ratio', 'tags'].map(countOf).join(', ') +
        ', F.count(F.col("`a.b`")).alias("a.b")).first()',
      'df_node = df_events.drop(*[c for c in df_events.columns if df_node_counts[c] == 0])',
    ]);
    expect(r.studio).toEqual({
      node: {
        DropNullFields: {
          Name: 'node',
          Inputs: ['events'],
          NullCheckBoxList: { IsEmpty: false, IsNullString: false, IsNegOne: false },
        },
      },
    });
  });

  it('counts "", "null" and -1 as missing when asked, in string and integer columns only', () => {
    const r = run({ emptyString: true, nullString: true, minusOne: true });
    expect(r.problems).toEqual([]);
    const missing = (column: string, test: string) =>
      `F.count(F.when(${test}, None).otherwise(F.col("${column}"))).alias("${column}")`;
    expect(r.pyspark![0]).toBe(
      'df_node_counts = df_events.select(' +
        [
          missing('id', 'F.col("id") == -1'),
          missing('note', 'F.col("note").isin("", "null")'),
          missing('code', 'F.col("code").isin("", "null")'),
          missing('score', 'F.col("score") == -1'),
          countOf('price'),
          countOf('ratio'),
          countOf('tags'),
          'F.count(F.when(F.col("`a.b`") == -1, None).otherwise(F.col("`a.b`"))).alias("a.b")',
        ].join(', ') +
        ').first()',
    );
    expect(r.studio).toMatchObject({ node: { DropNullFields: { NullCheckBoxList: { IsEmpty: true, IsNullString: true, IsNegOne: true } } } });
  });

  it.each([
    [{ emptyString: true }, 'F.col("note") == ""'],
    [{ nullString: true }, 'F.col("note") == "null"'],
  ])('tests one string when one is asked: %o', (treatAsNull, test) => {
    const r = run(treatAsNull);
    expect(r.pyspark![0]).toContain(`F.count(F.when(${test}, None).otherwise(F.col("note"))).alias("note")`);
    expect(r.pyspark![0]).toContain(countOf('score'));
  });

  it('treats options left out or set to false alike', () => {
    expect(run({ emptyString: false }).pyspark).toEqual(run().pyspark);
    expect(run({ emptyString: undefined }).node!.options.treatAsNull).toEqual({ emptyString: false, nullString: false, minusOne: false });
  });

  it('returns frozen definitions and options', () => {
    const def = dropNullFields({ input: 'events' });
    expect(def).toEqual({ kind: 'DropNullFields', input: 'events' });
    expect(Object.isFrozen(def)).toBe(true);
    const r = runTransform(DropNullFields, def, { events });
    expect(Object.isFrozen(r.node!.options)).toBe(true);
    expect(Object.isFrozen(r.node!.options.treatAsNull)).toBe(true);
  });

  it('reports every bad option in one pass', () => {
    const r = run({ emptyStrings: true, minusOne: 'yes' } as never);
    expect(r.problems.map((p) => p.path)).toEqual(['transforms.node.treatAsNull.emptyStrings', 'transforms.node.treatAsNull.minusOne']);
  });

  it.each([
    ['options that are not an object', 'all', 'transforms.node.treatAsNull', 'expected { emptyString?, nullString?, minusOne? }, got "all"', undefined],
    ['null options', null, 'transforms.node.treatAsNull', 'got null', undefined],
    ['options that are a list', ['emptyString'], 'transforms.node.treatAsNull', 'got a list', undefined],
    ['a misspelt option', { emptyStrings: true }, 'transforms.node.treatAsNull.emptyStrings', 'unknown option "emptyStrings"', 'did you mean "emptyString"?'],
    ['an unknown option', { zero: true }, 'transforms.node.treatAsNull.zero', 'unknown option "zero"', 'available options: "emptyString", "nullString", "minusOne"'],
    ['a flag that is not a boolean', { minusOne: 1 }, 'transforms.node.treatAsNull.minusOne', 'expected true or false, got number 1', undefined],
  ])('rejects %s', (_name, treatAsNull, path, message, hint) => {
    const r = run(treatAsNull as never);
    expectOneProblem(r, path, message, hint);
  });

  it('generates syntactically valid Python', () => {
    const lines = [run(), run({ emptyString: true, nullString: true, minusOne: true }), run({ nullString: true })].flatMap((r) => r.pyspark!);
    expect(lines).toHaveLength(6);
    expectValidPython(lines);
  });
});
