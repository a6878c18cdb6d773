import { gunzipSync, gzipSync } from 'node:zlib';
import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Float32,
  Float64,
  Int32,
  Int64,
  RecordBatch,
  Struct,
  TimestampMicrosecond,
  Utf8,
  makeData,
  vectorFromArray,
  type Data,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { toArrowSchema, toArrowType } from '../../catalog/arrow.js';
import type { Schema } from '../../catalog/schema.js';
import { formatGlueType } from '../../catalog/types.js';
import { allValid, fixedData, setDecimal, setNull, stringData } from '../../kernels/columns.js';
import { FormatError, type ObjectSource } from '../../local-runner/formats/format.js';
import { memorySource } from '../../local-runner/stores/memory.js';
import { schemaOf } from '../kernels/rows.js';
import { inferJsonSchema, jsonReader, jsonWriter } from '../../local-runner/formats/json.js';
import { textLayoutType } from '../../local-runner/formats/text-layout.js';

// ---- helpers ---------------------------------------------------------------

const encoder = new TextEncoder();

/** An object whose stream yields `chunk` bytes at a time (records then span chunks). */
function source(content: string | Uint8Array, { chunk = 64 * 1024, name = 'fixtures/orders.json' } = {}): ObjectSource {
  return memorySource(name, typeof content === 'string' ? encoder.encode(content) : content, chunk);
}

/** A text-layout value as plain data: strings, arrays, objects for structs, [key, value] pairs for maps. */
function plain(value: unknown): unknown {
  if (value === null || value === undefined || typeof value === 'string') return value ?? null;
  const v = value as { type?: unknown; toJSON(): unknown; [Symbol.iterator]?: () => Iterator<unknown> };
  if (v.constructor.name === 'MapRow') return [...(value as Iterable<[string, unknown]>)].map(([k, x]) => [k, plain(x)]);
  if (v.type !== undefined) return [...(value as Iterable<unknown>)].map(plain); // a list's elements
  return Object.fromEntries(Object.entries(v.toJSON() as object).map(([k, x]) => [k, plain(x)])); // a struct
}

async function readBatches(content: string | Uint8Array, schema: Record<string, string>, { chunk, batchRows = 1000 }: { chunk?: number; batchRows?: number } = {}): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of jsonReader.read(source(content, { chunk }), { schema: schemaOf(schema), batchRows })) out.push(b);
  return out;
}

async function read(content: string | Uint8Array, schema: Record<string, string>, options: { chunk?: number; batchRows?: number } = {}): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for (const b of await readBatches(content, schema, options)) {
    for (let i = 0; i < b.numRows; i++) rows.push(b.schema.fields.map((_, j) => plain(b.getChildAt(j)!.get(i))));
  }
  return rows;
}

async function readError(content: string, schema: Record<string, string> = { a: 'string' }): Promise<string> {
  try {
    await read(content, schema);
  } catch (e) {
    if (e instanceof FormatError) return e.message;
    throw e;
  }
  throw new Error('expected a FormatError');
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

function batch(schema: Schema, columns: Data[]): RecordBatch {
  const arrow = toArrowSchema(schema);
  return new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: columns[0]!.length, nullCount: 0, children: columns }));
}

function bitmap(values: readonly unknown[]): Uint8Array {
  const bits = allValid(values.length);
  values.forEach((v, i) => v === null && setNull(bits, i));
  return bits;
}

async function* batches(...list: RecordBatch[]): AsyncIterable<RecordBatch> {
  yield* list;
}

async function writeText(schema: Schema, list: RecordBatch[]): Promise<string> {
  return new TextDecoder().decode(await collect(jsonWriter.write(batches(...list), { schema, compression: 'none' })));
}

// ---- reading ---------------------------------------------------------------

describe('JSON Lines reader', () => {
  it('takes each declared column from the top-level field of its exact name; missing fields are null', async () => {
    const text = '{"id":1,"status":"PAID","extra":{"x":[1,2]}}\n{"status":"NEW","ID":7}\n';
    expect(await read(text, { status: 'string', id: 'bigint' })).toEqual([
      ['PAID', '1'],
      ['NEW', null],
    ]);
  });

  it('produces primitive columns as text: strings as values, numbers as their exact source text, booleans as true/false', async () => {
    const text = '{"s":"x","n":1.50,"big":123456789012345678901234567890,"e":-1.5E+300,"z":-0,"b":true,"f":false,"nil":null}\n';
    expect(await read(text, { s: 'string', n: 'decimal(3,2)', big: 'decimal(38,0)', e: 'double', z: 'int', b: 'boolean', f: 'string', nil: 'int' })).toEqual([
      ['x', '1.50', '123456789012345678901234567890', '-1.5E+300', '-0', 'true', 'false', null],
    ]);
  });

  it('gives the compact JSON text of an object or array read into a primitive column', async () => {
    const text = '{"o": { "a" : [1, 2.50, "x y"], "b" : {"c":null} }, "arr": [ true , {"k":"v"} ]}\n';
    expect(await read(text, { o: 'string', arr: 'string' })).toEqual([['{"a":[1,2.50,"x y"],"b":{"c":null}}', '[true,{"k":"v"}]']]);
  });

  it('reads nested values into struct, list and map text layouts', async () => {
    const schema = { s: 'struct<a:int,b:string,c:array<int>>', l: 'array<int>', m: 'map<string,int>', deep: 'array<struct<k:string,v:map<string,array<double>>>>' };
    const text = [
      '{"s":{"b":"x","a":1,"zz":0,"c":[1,null,3]},"l":[1,null,2.5],"m":{"k":1,"j":null,"k":3},"deep":[{"k":"a","v":{"p":[1.0,2]}},null]}',
      '{"s":{},"l":[],"m":{},"deep":[]}',
    ].join('\n');
    expect(await read(text, schema)).toEqual([
      [{ a: '1', b: 'x', c: ['1', null, '3'] }, ['1', null, '2.5'], [['k', '1'], ['j', null], ['k', '3']], [{ k: 'a', v: [['p', ['1.0', '2']]] }, null]],
      [{ a: null, b: null, c: null }, [], [], []],
    ]);
    const [b] = await readBatches(text, schema);
    expect(b!.schema.fields.map((f) => String(f.type))).toEqual(Object.values(schema).map((t) => String(textLayoutType(schemaOf({ x: t })[0]!.type))));
    expect(String(b!.schema.fields[0]!.type)).toBe('Struct<{a:Utf8, b:Utf8, c:List<Utf8>}>');
  });

  it('reads a primitive where a nested type is declared, or the wrong nesting, as null', async () => {
    const text = '{"s":"text","l":{"a":1},"m":[1,2],"n":5}\n';
    expect(await read(text, { s: 'struct<a:int>', l: 'array<int>', m: 'map<string,int>', n: 'array<int>' })).toEqual([[null, null, null, null]]);
  });

  it('takes the last of repeated field names', async () => {
    expect(await read('{"a":1,"a":2}\n{"s":{"x":1,"x":null}}\n', { a: 'int', s: 'struct<x:int>' })).toEqual([
      ['2', null],
      [null, { x: null }],
    ]);
  });

  it('decodes string escapes', async () => {
    const text = String.raw`{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83c\udf89"}` + '\n';
    expect(await read(text, { s: 'string' })).toEqual([['a"b\\c/d\b\f\n\r\té🎉']]);
  });

  it('skips blank lines and a BOM, accepts \\r\\n and a missing final newline', async () => {
    const text = '\uFEFF{"a":1}\r\n\r\n   \n{"a":2}\n\n{"a":3}';
    expect(await read(text, { a: 'int' })).toEqual([['1'], ['2'], ['3']]);
  });

  it('reads the same rows whatever the chunk boundaries (UTF-8 characters and lines split)', async () => {
    const text = '\uFEFF{"city":"Zürich","n":1}\n{"city":"日本","tags":["🎉","x"]}\r\n\n{"city":"end","n":12345678901234567890}';
    const expected = [
      ['Zürich', '1', null],
      ['日本', null, ['🎉', 'x']],
      ['end', '12345678901234567890', null],
    ];
    for (const chunk of [1, 2, 3, 5, 7, 64 * 1024]) expect(await read(text, { city: 'string', n: 'bigint', tags: 'array<string>' }, { chunk })).toEqual(expected);
  });

  it('reads a line holding an array of objects as one row per object, as Spark does', async () => {
    expect(await read('[{"a":1},{"a":2}]\n[]\n{"a":3}\n', { a: 'int' })).toEqual([['1'], ['2'], ['3']]);
  });

  it('cuts batches of at most batchRows rows', async () => {
    const text = Array.from({ length: 5 }, (_, i) => `{"n":${i}}`).join('\n');
    const list = await readBatches(text, { n: 'int' }, { batchRows: 2 });
    expect(list.map((b) => b.numRows)).toEqual([2, 2, 1]);
  });

  it('reads gzip-compressed objects transparently', async () => {
    const gz = gzipSync(encoder.encode('{"a":"x"}\n{"a":"y"}\n'));
    for (const chunk of [1, 64 * 1024]) expect(await read(gz, { a: 'string' }, { chunk })).toEqual([['x'], ['y']]);
  });

  it.each([
    ['a trailing comma', '{"a":1,}', 'line 2, column 8: invalid JSON: expected a field name in double quotes, found "}"'],
    ['leading zeros', '{"a":01}', 'line 2, column 6: invalid JSON: a number cannot have leading zeros'],
    ['an unclosed string', '{"a":"x}', 'line 2, column 6: invalid JSON: a string is never closed'],
    ['a bad escape', String.raw`{"a":"\x"}`, 'line 2, column 7: invalid JSON: invalid escape \\x in a string'],
    ['a raw control character in a string', '{"a":"x\ty"}', 'line 2, column 8: invalid JSON: a control character inside a string must be escaped'],
    ['text after the value', '{"a":1} {"a":2}', 'line 2, column 9: invalid JSON: unexpected "{" after the JSON value'],
    ['single quotes', "{'a':1}", `line 2, column 2: invalid JSON: expected a field name in double quotes, found "'"`],
    ['NaN', '{"a":NaN}', 'line 2, column 6: invalid JSON: unexpected "N"'],
    ['a missing colon', '{"a" 1}', 'line 2, column 6: invalid JSON: expected ":" after the field name, found "1"'],
    ['an unclosed object', '{"a":[1,2]', 'line 2, column 11: invalid JSON: expected "," or "}" after an object member, found the end of the line'],
    ['a scalar line', '42', 'line 2, column 1: invalid JSON: a line must hold a JSON object (one row) or an array of objects'],
    ['an array of scalars', '[1]', 'line 2, column 2: invalid JSON: expected an object in the array of rows, found "1"'],
    ['nesting too deep', '{"a":' + '['.repeat(1001) + ']'.repeat(1001) + '}', 'line 2, column 1005: invalid JSON: nesting deeper than 1000 levels'],
  ])('fails on %s, naming the object, line and column', async (_, line, message) => {
    expect(await readError(`{"a":"ok"}\n${line}\n{"a":"never read"}\n`)).toBe(`fixtures/orders.json: ${message}`);
  });

  it('checks the syntax of fields it does not read', async () => {
    expect(await readError('{"other":[1,2,}\n')).toBe('fixtures/orders.json: line 1, column 15: invalid JSON: unexpected "}"');
  });

  it('hands over each batch before parsing the rest of a large chunk', async () => {
    const seen: string[] = [];
    const reading = (async () => {
      for await (const b of jsonReader.read(source('{"a":"1"}\n{"a":"2"}\n{"a":\n'), { schema: schemaOf({ a: 'string' }), batchRows: 1 })) seen.push(b.getChildAt(0)!.get(0) as string);
    })();
    await expect(reading).rejects.toThrow('line 3, column 6: invalid JSON');
    expect(seen).toEqual(['1', '2']);
  });

  it('reads 200k rows in reasonable time (sanity check; prints the rate)', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) lines.push(`{"order_id":${i},"customer_id":${i % 9973},"status":"${i % 3 === 0 ? 'PAID' : 'NEW'}","amount":${(i % 10000) / 100},"order_ts":"2024-01-01T10:00:00Z","tags":["a","b"]}`);
    const bytes = encoder.encode(lines.join('\n') + '\n');
    const started = performance.now();
    let rows = 0;
    for (const b of await readBatches(bytes, { order_id: 'bigint', customer_id: 'bigint', status: 'string', amount: 'decimal(12,2)', order_ts: 'timestamp', tags: 'array<string>' }, { batchRows: 65_536 })) rows += b.numRows;
    const seconds = (performance.now() - started) / 1000;
    expect(rows).toBe(200_000);
    console.log(`JSON reader: ${rows} rows (${(bytes.length / 1e6).toFixed(1)} MB) in ${seconds.toFixed(3)} s = ${Math.round(rows / seconds).toLocaleString('en')} rows/s`);
  });
});

// ---- inference -------------------------------------------------------------

describe('inferJsonSchema', () => {
  const infer = async (text: string, sampleRows?: number) =>
    (await inferJsonSchema(source(text), sampleRows === undefined ? {} : { sampleRows })).map((f) => `${f.name}: ${formatGlueType(f.type)}${f.nullable ? '' : ' not null'}`);

  it('infers like Spark: integers bigint, other numbers double, strings, booleans; columns sorted by name', async () => {
    const text = '{"z":1,"a":1.5,"s":"2024-01-01","b":true,"big":12345678901234567890,"huge":123456789012345678901234567890123456789,"n":null}';
    expect(await infer(text)).toEqual(['a: double', 'b: boolean', 'big: decimal(20,0)', 'huge: double', 'n: string', 's: string', 'z: bigint']);
  });

  it('infers nested objects as structs with sorted fields and arrays from their elements', async () => {
    const text = '{"o":{"y":1,"x":{"q":"s"}},"arr":[1,2.5],"objs":[{"b":1},{"a":"x"}],"empty":[],"nothing":{},"arr_of_empty":[{}]}';
    expect(await infer(text)).toEqual(['arr: array<double>', 'empty: array<string>', 'o: struct<x:struct<q:string>,y:bigint>', 'objs: array<struct<a:string,b:bigint>>']);
  });

  it('merges rows: numbers widen, conflicts become string, structs merge their fields', async () => {
    const text = ['{"n":1,"c":1,"s":{"a":1},"d":1}', '{"n":2.5,"c":"x","s":{"b":true},"d":12345678901234567890}', '{"c":true,"s":null}'].join('\n');
    expect(await infer(text)).toEqual(['c: string', 'd: decimal(20,0)', 'n: double', 's: struct<a:bigint,b:boolean>']);
    expect(await infer('{"x":1}\n{"x":[1]}\n{"y":{"a":1}}\n{"y":"s"}')).toEqual(['x: string', 'y: string']);
  });

  it('looks only at the first sampleRows rows', async () => {
    expect(await infer('{"a":1}\n{"a":2}\n{"a":"x"}\n', 2)).toEqual(['a: bigint']);
  });

  it('stops reading once it has sampleRows rows (the object may be endless)', async () => {
    const endless: ObjectSource = {
      ...source(''),
      async *stream() {
        for (;;) yield encoder.encode('{"n":1}\n{"n":2.5}\n');
      },
    };
    expect((await inferJsonSchema(endless, { sampleRows: 50 })).map((f) => formatGlueType(f.type))).toEqual(['double']);
  });

  it('fails on no rows, invalid lines and names a Glue schema cannot hold', async () => {
    await expect(inferJsonSchema(source('\n\n'))).rejects.toThrow('fixtures/orders.json: the object holds no rows, so no schema can be inferred from it');
    await expect(inferJsonSchema(source('{"a":1}\n{"a":}'))).rejects.toThrow('fixtures/orders.json: line 2, column 6: invalid JSON');
    await expect(inferJsonSchema(source('{"Id":1,"id":2}'))).rejects.toThrow('fields "Id" and "id" differ only in case');
  });
});

// ---- writing ---------------------------------------------------------------

describe('JSON Lines writer', () => {
  const schema = schemaOf({
    id: 'int',
    big: 'bigint',
    ratio: 'double',
    f: 'float',
    amount: 'decimal(12,2)',
    day: 'date',
    at: 'timestamp',
    ok: 'boolean',
    note: 'string',
    raw: 'binary',
  });
  const words = new Uint32Array(3 * 4);
  [1250n, -5n, 0n].forEach((v, i) => setDecimal(words, i, v));
  const rows = batch(schema, [
    fixedData(new Int32(), Int32Array.of(1, -2, 0), 3, bitmap([1, -2, null])),
    fixedData(new Int64(), BigInt64Array.of(9007199254740993n, -1n, 0n), 3, bitmap([1, 1, null])),
    fixedData(new Float64(), Float64Array.of(1, NaN, 1e-7), 3),
    fixedData(new Float32(), Float32Array.of(0.1, -Infinity, 0), 3, bitmap([1, 1, null])),
    fixedData(new Decimal(2, 12, 128), words, 3),
    fixedData(new DateDay(), Int32Array.of(19753, 0, 0), 3, bitmap([1, null, null])),
    fixedData(new TimestampMicrosecond('UTC'), BigInt64Array.of(1706670000123456n, 0n, 0n), 3, bitmap([1, null, null])),
    fixedData(new Bool(), Uint8Array.of(0b001), 3, bitmap([1, 1, null])),
    stringData(new Utf8(), ['plain', 'quote " backslash \\ newline \n tab \t unit \u001f é 🎉', null]),
    stringData(new Binary(), [Uint8Array.of(0, 1, 255), null, new Uint8Array(0)]),
  ]);

  it('writes one compact object per row, fields in schema order, nulls left out, values as Spark writes them', async () => {
    expect(await writeText(schema, [rows])).toBe(
      [
        '{"id":1,"big":9007199254740993,"ratio":1.0,"f":0.1,"amount":12.50,"day":"2024-01-31","at":"2024-01-31T03:00:00.123Z","ok":true,"note":"plain","raw":"AAH/"}',
        '{"id":-2,"big":-1,"ratio":"NaN","f":"-Infinity","amount":-0.05,"ok":false,"note":"quote \\" backslash \\\\ newline \\n tab \\t unit \\u001F é 🎉"}',
        '{"ratio":1.0E-7,"amount":0.00,"raw":""}',
        '',
      ].join('\n'),
    );
  });

  it('writes arrays, maps and structs as nested JSON, keeping nulls inside arrays and map values', async () => {
    const nested = schemaOf({ l: 'array<int>', m: 'map<string,bigint>', s: 'struct<a:int,b:array<string>>', km: 'map<int,string>' });
    const columns = [
      vectorFromArray([[1, null, 3], [], null], toArrowType(nested[0]!.type)).data[0]!,
      vectorFromArray([new Map([['k', 1n], ['j', null]]), null, new Map()], toArrowType(nested[1]!.type)).data[0]!,
      vectorFromArray([{ a: 1, b: ['x', null] }, { a: null, b: null }, null], toArrowType(nested[2]!.type)).data[0]!,
      vectorFromArray([new Map([[1, 'one']]), null, null], toArrowType(nested[3]!.type)).data[0]!,
    ];
    expect(await writeText(nested, [batch(nested, columns)])).toBe(
      ['{"l":[1,null,3],"m":{"k":1,"j":null},"s":{"a":1,"b":["x",null]},"km":{"1":"one"}}', '{"l":[],"s":{}}', '{"m":{}}', ''].join('\n'),
    );
  });

  it('writes sliced batches, nested ones too (a list child is not re-sliced, its offsets are)', async () => {
    const whole = (await writeText(schema, [rows])).split('\n');
    expect(await writeText(schema, [rows.slice(1, 3)])).toBe([whole[1], whole[2], ''].join('\n'));
    const nested = schemaOf({ l: 'array<string>', s: 'struct<a:int,m:map<string,int>>' });
    const full = batch(nested, [
      vectorFromArray([['a'], ['b', null], null, ['c']], toArrowType(nested[0]!.type)).data[0]!,
      vectorFromArray([{ a: 1, m: new Map([['x', 1]]) }, null, { a: null, m: new Map([['y', 2], ['z', null]]) }, { a: 4, m: null }], toArrowType(nested[1]!.type)).data[0]!,
    ]);
    expect(await writeText(nested, [full.slice(1, 4)])).toBe(['{"l":["b",null]}', '{"s":{"m":{"y":2,"z":null}}}', '{"l":["c"],"s":{"a":4}}', ''].join('\n'));
  });

  it('names files .json or .json.gz', () => {
    expect(jsonWriter.extension({ schema, compression: 'none' })).toBe('.json');
    expect(jsonWriter.extension({ schema, compression: 'gzip' })).toBe('.json.gz');
  });

  it('gzips when asked, and the reader reads the result back', async () => {
    const gz = await collect(jsonWriter.write(batches(rows), { schema, compression: 'gzip' }));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(new TextDecoder().decode(gunzipSync(gz))).toBe(await writeText(schema, [rows]));
    expect(await read(gz, { note: 'string', big: 'bigint' }, { chunk: 5 })).toEqual([
      ['plain', '9007199254740993'],
      ['quote " backslash \\ newline \n tab \t unit \u001f é 🎉', '-1'],
      [null, null],
    ]);
  });

  it('reads back what it wrote, every value as its printed text', async () => {
    const text = await writeText(schema, [rows]);
    const declared = Object.fromEntries(schema.map((f) => [f.name, formatGlueType(f.type)]));
    expect(await read(text, declared)).toEqual([
      ['1', '9007199254740993', '1.0', '0.1', '12.50', '2024-01-31', '2024-01-31T03:00:00.123Z', 'true', 'plain', 'AAH/'],
      ['-2', '-1', 'NaN', '-Infinity', '-0.05', null, null, 'false', 'quote " backslash \\ newline \n tab \t unit \u001f é 🎉', null],
      [null, null, '1.0E-7', null, '0.00', null, null, null, null, ''],
    ]);
  });
});
