import { describe, expect, it } from 'vitest';
import { DropDuplicates, dropDuplicates, type DropDuplicatesDefinition } from '../../transforms/drop-duplicates.js';
import { expectValidPython } from '../support/python.js';
import { runTransform, schemaText } from '../support/transform-harness.js';

const events = {
  event_id: { type: 'bigint', nullable: false },
  user_id: 'bigint',
  kind: 'string',
  'event.time': 'timestamp',
  device: 'struct<os:string>',
};


describe('DropDuplicates', () => {
  it('compares every column by default and keeps the schema', () => {
    const r = runTransform(DropDuplicates, dropDuplicates({ input: 'events' }), { events });
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['event_id: bigint', 'user_id: bigint?', 'kind: string?', 'event.time: timestamp?', 'device: struct<os:string>?']);
    expect(r.node!.options).toEqual({});
    expect(r.pyspark).toEqual(['df_node = df_events.dropDuplicates()']);
    expect(r.studio).toEqual({ node: { DropDuplicates: { Name: 'node', Inputs: ['events'] } } });
    expectValidPython(r.pyspark);
  });

  it('compares only the listed columns, names with dots included', () => {
    const r = runTransform(DropDuplicates, dropDuplicates({ input: 'events', columns: ['user_id', 'event.time'] }), { events });
    expect(r.problems).toEqual([]);
    expect(schemaText(r.node)).toEqual(['event_id: bigint', 'user_id: bigint?', 'kind: string?', 'event.time: timestamp?', 'device: struct<os:string>?']);
    expect(r.node!.options).toEqual({ columns: ['user_id', 'event.time'] });
    expect(Object.isFrozen(r.node!.options.columns)).toBe(true);
    // dropDuplicates matches top-level names exactly, so the dotted name needs no quoting.
    expect(r.pyspark).toEqual(['df_node = df_events.dropDuplicates(["user_id", "event.time"])']);
    expect(r.studio).toEqual({
      node: { DropDuplicates: { Name: 'node', Inputs: ['events'], Columns: [['user_id'], ['event.time']] } },
    });
    expectValidPython(r.pyspark);
  });

  it('accepts a map column when it is not compared', () => {
    const r = runTransform(DropDuplicates, dropDuplicates({ input: 'e', columns: ['id'] }), { e: { id: 'int', attrs: 'map<string,string>' } });
    expect(r.problems).toEqual([]);
  });

  it.each([
    ['an unknown column, with a suggestion', { columns: ['usr_id'] }, 'transforms.node.columns[0]', 'unknown column "usr_id" in input "events"', 'did you mean "user_id"?'],
    ['an empty column list', { columns: [] }, 'transforms.node.columns', 'expected a non-empty list of column names, got a list', undefined],
    ['columns that are not a list', { columns: 'user_id' }, 'transforms.node.columns', 'expected a non-empty list of column names, got "user_id"', undefined],
    ['a column that is not a name', { columns: [3] }, 'transforms.node.columns[0]', 'expected a column name, got number 3', undefined],
    ['a column listed twice', { columns: ['kind', 'kind'] }, 'transforms.node.columns[1]', '"kind" is listed twice', undefined],
    ['a struct field', { columns: ['device.os'] }, 'transforms.node.columns[0]', 'dropDuplicates compares whole columns, and "device.os" is a field inside a struct', 'applyMapping'],
    ['a listed map column', { columns: ['attrs'] }, 'transforms.node.columns[0]', 'cannot compare "attrs": it is map<string,string>, and Spark cannot compare maps', undefined],
    ['a map column compared by default', {}, 'transforms.node.columns', 'without columns, every column is compared, and Spark cannot compare maps: "attrs" is map<string,string>', 'list the columns that identify a row'],
    ['a missing input', { input: '' }, 'transforms.node.input', 'expected the id of the node this one reads, got ""', undefined],
  ] as const)('rejects %s', (_name, props, path, message, hint) => {
    const def = dropDuplicates({ input: 'events', ...(props as object) } as Omit<DropDuplicatesDefinition, 'kind'>);
    const r = runTransform(DropDuplicates, def, { events: { ...events, attrs: 'map<string,string>' } });
    expect(r.node).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe(path);
    expect(r.problems[0]!.message).toContain(message);
    if (hint) expect(r.problems[0]!.hint).toContain(hint);
  });
});
