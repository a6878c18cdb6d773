/**
 * Arrow IPC: file and stream formats are both read (told apart by the "ARROW1" magic),
 * columns are projected by name and conformed, batches are cut to batchRows, the writer's
 * `.arrow` files read back, and what is not Arrow is a FormatError.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Int32, LargeUtf8, TimestampNanosecond, Float16, Table, makeData, makeVector, tableToIPC, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { field, type Schema } from '../../catalog/schema.js';
import { parseGlueType } from '../../catalog/types.js';
import { arrowIpcReader, arrowIpcWriter, inspectArrowIpc } from '../../local-runner/formats/arrow-ipc.js';
import { fileSource } from '../../local-runner/stores/fixtures.js';
import { batchRows, type JsonValue } from '../../local-runner/values.js';

const dir = mkdtempSync(join(tmpdir(), 'gluekit-arrow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const table = new Table({
  id: vectorFromArray([1, 2, 3, null], new Int32()),
  name: vectorFromArray(['a', 'zürich', null, 'd'], new LargeUtf8()),
  ts: makeVector(makeTs()),
});

function makeTs() {
  // Nanoseconds, as pandas and pyarrow write timestamps; 1500 ns floors to 1 us.
  return makeData({ type: new TimestampNanosecond(), length: 4, nullCount: 1, nullBitmap: Uint8Array.of(0b0111), data: BigInt64Array.of(0n, 1_500n, -1n, 0n) });
}

function save(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const source = (path: string) => fileSource(path, path.split('/').pop()!, statSync(path).size);
const schema: Schema = [field('ts', parseGlueType('timestamp')), field('id', parseGlueType('bigint')), field('name', parseGlueType('string'))];

async function readRows(path: string, declared: Schema, batchRows_ = 100): Promise<{ rows: { [c: string]: JsonValue }[]; batches: number }> {
  const rows: { [c: string]: JsonValue }[] = [];
  let batches = 0;
  for await (const b of arrowIpcReader.read(source(path), { schema: declared, batchRows: batchRows_ })) {
    batches++;
    expect(b.numRows).toBeLessThanOrEqual(batchRows_);
    rows.push(...batchRows(b, declared));
  }
  return { rows, batches };
}

const expected = [
  { ts: '1970-01-01T00:00:00.000000Z', id: '1', name: 'a' },
  { ts: '1970-01-01T00:00:00.000001Z', id: '2', name: 'zürich' },
  { ts: '1969-12-31T23:59:59.999999Z', id: '3', name: null },
  { ts: null, id: null, name: 'd' },
];

describe('Arrow IPC', () => {
  it('reads the file format, projecting and conforming', async () => {
    const path = save('t.arrow', tableToIPC(table, 'file'));
    expect((await readRows(path, schema)).rows).toEqual(expected);
  });

  it('reads the stream format the same way, cutting batches to batchRows', async () => {
    const path = save('t.arrows', tableToIPC(table, 'stream'));
    const { rows, batches } = await readRows(path, schema, 3);
    expect(rows).toEqual(expected);
    expect(batches).toBe(2);
  });

  it('inspects the schema as Glue types, with the columns it cannot read', async () => {
    const withHalf = new Table({ id: vectorFromArray([1], new Int32()), half: makeVector(makeData({ type: new Float16(), length: 1, data: Uint16Array.of(0x3c00) })) });
    const path = save('half.arrow', tableToIPC(withHalf, 'file'));
    const info = await inspectArrowIpc(source(path));
    expect(info.schema.map((f) => [f.name, f.type.kind])).toEqual([['id', 'int']]);
    expect(info.unsupported).toEqual([{ column: 'half', reason: 'FLOAT16 (half-precision floats; Spark has no such type)' }]);
    expect(info).toMatchObject({ rows: 1, rowGroups: 1 });
    await expect(readRows(path, [field('half', parseGlueType('float'))])).rejects.toThrow('half.arrow: unsupported: FLOAT16 (half-precision floats; Spark has no such type) in half.arrow, column half');
  });

  it('writes .arrow files that read back', async () => {
    const declared = schema;
    const batches: RecordBatch[] = [];
    for await (const b of arrowIpcReader.read(source(save('w.arrow', tableToIPC(table, 'file'))), { schema: declared, batchRows: 2 })) batches.push(b);
    expect(arrowIpcWriter.extension({ schema: declared, compression: 'none' })).toBe('.arrow');
    const parts: Uint8Array[] = [];
    for await (const p of arrowIpcWriter.write((async function* () { yield* batches; })(), { schema: declared, compression: 'none' })) parts.push(p);
    const out = save('out.arrow', Buffer.concat(parts));
    expect((await readRows(out, declared)).rows).toEqual(expected);
  });

  it('refuses missing columns, incompatible types and bytes that are not Arrow', async () => {
    const path = save('m.arrow', tableToIPC(table, 'file'));
    await expect(readRows(path, [field('nope', parseGlueType('int'))])).rejects.toThrow('m.arrow: column nope is not in the file');
    await expect(readRows(path, [field('name', parseGlueType('int'))])).rejects.toThrow('m.arrow: column name is string in the file but declared int');
    const junk = save('junk.arrow', new TextEncoder().encode('ARROW1 but nothing else'));
    await expect(readRows(junk, schema)).rejects.toThrow(/^junk\.arrow: not a readable Arrow IPC file/);
  });
});
