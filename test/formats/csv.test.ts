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
  type Data,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { toArrowSchema } from '../../catalog/arrow.js';
import type { Schema } from '../../catalog/schema.js';
import { allValid, fixedData, setDecimal, setNull, stringData } from '../../kernels/columns.js';
import { memorySource } from '../../local-runner/stores/memory.js';
import { schemaOf } from '../kernels/rows.js';
import { csvReader, csvWriter, inferCsvSchema, type CsvReadOptions } from '../../local-runner/formats/csv.js';
import { FormatError, type ObjectSource } from '../../local-runner/formats/format.js';
import { textLayoutSchema } from '../../local-runner/formats/text-layout.js';

// ---- helpers ---------------------------------------------------------------

const encoder = new TextEncoder();

/** An object whose stream yields `chunk` bytes at a time (records then span chunks). */
function source(content: string | Uint8Array, { chunk = 64 * 1024, name = 'fixtures/orders.csv' } = {}): ObjectSource {
  return memorySource(name, typeof content === 'string' ? encoder.encode(content) : content, chunk);
}

const DEFAULTS: CsvReadOptions = { separator: ',', quote: '"', header: true };

async function readBatches(content: string | Uint8Array, schema: Record<string, string>, options: Partial<CsvReadOptions> & { chunk?: number; batchRows?: number } = {}): Promise<RecordBatch[]> {
  const { chunk, batchRows = 1000, ...csv } = options;
  const batches: RecordBatch[] = [];
  for await (const b of csvReader({ ...DEFAULTS, ...csv }).read(source(content, { chunk }), { schema: schemaOf(schema), batchRows })) batches.push(b);
  return batches;
}

/** The rows read, each as its columns' text (null for null). */
async function read(content: string | Uint8Array, schema: Record<string, string>, options: Partial<CsvReadOptions> & { chunk?: number; batchRows?: number } = {}): Promise<(string | null)[][]> {
  const rows: (string | null)[][] = [];
  for (const b of await readBatches(content, schema, options)) {
    for (let i = 0; i < b.numRows; i++) rows.push(b.schema.fields.map((_, j) => b.getChildAt(j)!.get(i) as string | null));
  }
  return rows;
}

async function readError(content: string, schema: Record<string, string>, options: Partial<CsvReadOptions> = {}): Promise<FormatError> {
  try {
    await read(content, schema, options);
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('expected a FormatError');
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/** A canonical batch from columns built with the kernels' buffer helpers. */
function batch(schema: Schema, columns: Data[]): RecordBatch {
  const arrow = toArrowSchema(schema);
  return new RecordBatch(arrow, makeData({ type: new Struct(arrow.fields), length: columns[0]!.length, nullCount: 0, children: columns }));
}

function bitmap(values: readonly unknown[]): Uint8Array {
  const bits = allValid(values.length);
  values.forEach((v, i) => v === null && setNull(bits, i));
  return bits;
}

const col = {
  int: (v: (number | null)[]) => fixedData(new Int32(), Int32Array.from(v, (x) => x ?? 0), v.length, bitmap(v)),
  bigint: (v: (bigint | null)[]) => fixedData(new Int64(), BigInt64Array.from(v, (x) => x ?? 0n), v.length, bitmap(v)),
  double: (v: (number | null)[]) => fixedData(new Float64(), Float64Array.from(v, (x) => x ?? 0), v.length, bitmap(v)),
  float: (v: (number | null)[]) => fixedData(new Float32(), Float32Array.from(v, (x) => x ?? 0), v.length, bitmap(v)),
  decimal: (precision: number, scale: number, v: (bigint | null)[]) => {
    const words = new Uint32Array(v.length * 4);
    v.forEach((x, i) => setDecimal(words, i, x ?? 0n));
    return fixedData(new Decimal(scale, precision, 128), words, v.length, bitmap(v));
  },
  date: (v: (number | null)[]) => fixedData(new DateDay(), Int32Array.from(v, (x) => x ?? 0), v.length, bitmap(v)),
  timestamp: (v: (bigint | null)[]) => fixedData(new TimestampMicrosecond('UTC'), BigInt64Array.from(v, (x) => x ?? 0n), v.length, bitmap(v)),
  boolean: (v: (boolean | null)[]) => {
    const bits = new Uint8Array((v.length + 7) >> 3);
    v.forEach((x, i) => x && (bits[i >> 3]! |= 1 << (i & 7)));
    return fixedData(new Bool(), bits, v.length, bitmap(v));
  },
  string: (v: (string | null)[]) => stringData(new Utf8(), v),
};

async function* batches(...list: RecordBatch[]): AsyncIterable<RecordBatch> {
  yield* list;
}

async function writeText(schema: Schema, list: RecordBatch[], compression = 'none'): Promise<string> {
  return new TextDecoder().decode(await collect(csvWriter.write(batches(...list), { schema, compression })));
}

// ---- reading ---------------------------------------------------------------

describe('CSV reader', () => {
  it('maps declared columns to header columns by name, in declared order, ignoring the rest', async () => {
    const rows = await read('id,status,amount,note\n1,PAID,12.50,x\n2,NEW,3,y\n', { amount: 'decimal(12,2)', id: 'bigint' });
    expect(rows).toEqual([
      ['12.50', '1'],
      ['3', '2'],
    ]);
  });

  it('produces every column in the text layout of its declared type (Utf8, nullable)', async () => {
    const [b] = await readBatches('a,b,c\n1,true,2024-01-31\n', { a: 'int', b: 'boolean', c: 'date' });
    expect(b!.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['a', 'Utf8', true],
      ['b', 'Utf8', true],
      ['c', 'Utf8', true],
    ]);
    expect(String(textLayoutSchema(schemaOf({ a: 'int', b: 'boolean', c: 'date' })))).toBe(String(b!.schema));
  });

  it('keeps number text exactly (the cast parses it)', async () => {
    const rows = await read('big,exact\n123456789012345678901234567890,0.1000000000000000055511151231257827\n', { big: 'decimal(38,0)', exact: 'double' });
    expect(rows).toEqual([['123456789012345678901234567890', '0.1000000000000000055511151231257827']]);
  });

  it('reads quoted fields: separators, doubled quotes and line breaks inside quotes', async () => {
    const text = 'id,note\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n4,"crlf\r\ninside"\n5,""""\n';
    expect(await read(text, { id: 'int', note: 'string' })).toEqual([
      ['1', 'a, b'],
      ['2', 'say "hi"'],
      ['3', 'two\nlines'],
      ['4', 'crlf\r\ninside'],
      ['5', '"'],
    ]);
  });

  it('treats a quote inside an unquoted field as an ordinary character', async () => {
    expect(await read('a,b\n5" pipe,x"y\n', { a: 'string', b: 'string' })).toEqual([['5" pipe', 'x"y']]);
  });

  it('honours the single-quote option and quote: null', async () => {
    expect(await read("a,b\n'x, y','it''s'\n", { a: 'string', b: 'string' }, { quote: "'" })).toEqual([['x, y', "it's"]]);
    expect(await read('a,b\n"x",y\n', { a: 'string', b: 'string' }, { quote: null })).toEqual([['"x"', 'y']]);
    expect(await read('a,b\n"x,y"\n', { a: 'string', b: 'string' }, { quote: null })).toEqual([['"x', 'y"']]);
  });

  it.each([
    ['tab', '\t'],
    ['pipe', '|'],
    ['semicolon', ';'],
  ] as const)('splits on the %s separator', async (_, separator) => {
    const text = `a${separator}b\n1${separator}"x${separator}y"\n`;
    expect(await read(text, { a: 'int', b: 'string' }, { separator })).toEqual([['1', `x${separator}y`]]);
  });

  it('handles \\r\\n line ends, a missing final newline, blank lines and a BOM', async () => {
    const text = '\uFEFFid,name\r\n1,a\r\n\r\n\n2,b\n\n3,c';
    expect(await read(text, { id: 'int', name: 'string' })).toEqual([
      ['1', 'a'],
      ['2', 'b'],
      ['3', 'c'],
    ]);
    expect(await read('id,name\r\n1,a\r', { id: 'int', name: 'string' })).toEqual([['1', 'a']]);
  });

  it('reads the same rows whatever the chunk boundaries (records, quotes, \\r\\n, UTF-8 and the BOM split)', async () => {
    const text = '\uFEFFid,note,city\r\n1,"multi\nline, with ""quotes""",Zürich\r\n2,,日本\r\n3,"",🎉 party\r\n\r\n4,"x""",\n5,"ends with quote"""';
    const expected = [
      ['1', 'multi\nline, with "quotes"', 'Zürich'],
      ['2', null, '日本'],
      ['3', '', '🎉 party'],
      ['4', 'x"', null],
      ['5', 'ends with quote"', null],
    ];
    for (const chunk of [1, 2, 3, 4, 5, 7, 11, 64 * 1024]) {
      expect(await read(text, { id: 'int', note: 'string', city: 'string' }, { chunk })).toEqual(expected);
    }
  });

  it('reads an empty unquoted field as null and a quoted empty field as the empty string', async () => {
    expect(await read('a,b,c\n,"",x\n1,,\n', { a: 'int', b: 'string', c: 'string' })).toEqual([
      [null, '', 'x'],
      ['1', null, null],
    ]);
  });

  it('reads nullTokens as null only when unquoted', async () => {
    const rows = await read('a,b\nNULL,"NULL"\n\\N,n/a\n', { a: 'string', b: 'string' }, { nullTokens: ['NULL', '\\N'] });
    expect(rows).toEqual([
      [null, 'NULL'],
      [null, 'n/a'],
    ]);
  });

  it('gives missing trailing fields null and ignores extra ones (Spark PERMISSIVE)', async () => {
    expect(await read('a,b,c\n1\n1,2\n1,2,3,4,5\n1,2,\n', { a: 'int', b: 'int', c: 'int' })).toEqual([
      ['1', null, null],
      ['1', '2', null],
      ['1', '2', '3'],
      ['1', '2', null],
    ]);
  });

  it('maps columns by position without a header', async () => {
    expect(await read('1,x,9\n2,y\n', { id: 'int', name: 'string', n: 'int' }, { header: false })).toEqual([
      ['1', 'x', '9'],
      ['2', 'y', null],
    ]);
  });

  it('names header columns as Spark does: empty names _c<i>, repeated names with their position', async () => {
    const text = 'id,,ID,name\n1,2,3,4\n';
    expect(await read(text, { id0: 'int', _c1: 'int', ID2: 'int', name: 'string' })).toEqual([['1', '2', '3', '4']]);
  });

  it('reports a declared column missing from the header, naming the object and suggesting a name', async () => {
    const e = await readError('order_id,ammount\n1,2\n', { order_id: 'bigint', amount: 'decimal(12,2)' });
    expect(e.message).toBe('fixtures/orders.csv: declared column "amount" is not in the CSV header; did you mean "ammount"?');
    const far = await readError('x,y\n1,2\n', { total: 'int' });
    expect(far.message).toBe('fixtures/orders.csv: declared column "total" is not in the CSV header; available columns: "x", "y"');
  });

  it('matches header names exactly (a case slip is an error with a suggestion)', async () => {
    const e = await readError('Amount\n1\n', { amount: 'int' });
    expect(e.message).toContain('did you mean "Amount"?');
  });

  it('refuses nested declared types', async () => {
    const e = await readError('tags\nx\n', { tags: 'array<string>' });
    expect(e.message).toBe(
      'fixtures/orders.csv: column "tags" is declared array<string>, but a CSV field is flat text and cannot hold an array, map or struct; declare it string and parse it in the job',
    );
  });

  it('reports an unclosed quote at the line where the field starts', async () => {
    const e = await readError('a,b\n1,x\n2,"never\nclosed\n', { a: 'int', b: 'string' });
    expect(e.message).toBe('fixtures/orders.csv: line 3: a quoted field is never closed (no matching quote before the end of the object)');
  });

  it('reports text after a closing quote, with the line counted across multi-line records', async () => {
    const e = await readError('a,b\n1,"x\ny"\n2,"bad"x\n', { a: 'int', b: 'string' }, {});
    expect(e.message).toBe('fixtures/orders.csv: line 4: unexpected "x" after the closing quote of a field (expected a separator or the end of the line)');
    for (const chunk of [1, 3]) {
      await expect(read('a,b\n1,"x\ny"\n2,"bad"x\n', { a: 'int', b: 'string' }, { chunk })).rejects.toThrow('line 4: unexpected "x"');
    }
  });

  it('cuts batches of at most batchRows rows', async () => {
    const text = 'n\n' + Array.from({ length: 5 }, (_, i) => `${i}\n`).join('');
    const list = await readBatches(text, { n: 'int' }, { batchRows: 2 });
    expect(list.map((b) => b.numRows)).toEqual([2, 2, 1]);
    expect(list.flatMap((b) => [...b.getChildAt(0)!])).toEqual(['0', '1', '2', '3', '4']);
  });

  it('yields nothing for an empty object or a header without rows', async () => {
    expect(await read('', { a: 'int' })).toEqual([]);
    expect(await read('a\n', { a: 'int' })).toEqual([]);
    expect(await read('\uFEFF', { a: 'int' })).toEqual([]);
  });

  it('reads gzip-compressed objects transparently', async () => {
    const gz = gzipSync(encoder.encode('a,b\n1,"x\ny"\n2,z\n'));
    for (const chunk of [1, 5, 64 * 1024]) {
      expect(await read(gz, { a: 'int', b: 'string' }, { chunk })).toEqual([
        ['1', 'x\ny'],
        ['2', 'z'],
      ]);
    }
  });

  it('hands over each batch before parsing the rest of a large chunk', async () => {
    const text = 'a\n1\n2\n3\n"never closed\n';
    const seen: string[] = [];
    const reading = (async () => {
      for await (const b of csvReader(DEFAULTS).read(source(text), { schema: schemaOf({ a: 'string' }), batchRows: 1 })) seen.push(b.getChildAt(0)!.get(0) as string);
    })();
    await expect(reading).rejects.toThrow('line 5: a quoted field is never closed');
    expect(seen).toEqual(['1', '2', '3']);
  });

  it('reports a corrupt gzip object', async () => {
    const gz = gzipSync(encoder.encode('a\n1\n'));
    await expect(read(gz.subarray(0, 12), { a: 'int' })).rejects.toThrow('fixtures/orders.csv: the object looks gzip-compressed but does not decompress');
  });

  it('reads 200k rows in reasonable time (sanity check; prints the rate)', async () => {
    const lines = ['order_id,customer_id,status,amount,order_ts,note'];
    for (let i = 0; i < 200_000; i++) lines.push(`${i},${i % 9973},${i % 3 === 0 ? 'PAID' : 'NEW'},${(i % 10000) / 100},2024-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z,"note, ${i}"`);
    const bytes = encoder.encode(lines.join('\n') + '\n');
    const schema = { order_id: 'bigint', customer_id: 'bigint', status: 'string', amount: 'decimal(12,2)', order_ts: 'timestamp', note: 'string' };
    const started = performance.now();
    let rows = 0;
    for (const b of await readBatches(bytes, schema, { batchRows: 65_536 })) rows += b.numRows;
    const seconds = (performance.now() - started) / 1000;
    expect(rows).toBe(200_000);
    console.log(`CSV reader: ${rows} rows (${(bytes.length / 1e6).toFixed(1)} MB) in ${seconds.toFixed(3)} s = ${Math.round(rows / seconds).toLocaleString('en')} rows/s`);
  });
});

// ---- inference -------------------------------------------------------------

describe('inferCsvSchema', () => {
  const infer = async (text: string, csv: Partial<CsvReadOptions> = {}, sampleRows?: number) =>
    (await inferCsvSchema(source(text), { ...DEFAULTS, ...csv }, sampleRows === undefined ? {} : { sampleRows })).map((f) => `${f.name}: ${f.type.kind === 'decimal' ? `decimal(${f.type.precision},${f.type.scale})` : f.type.kind}${f.nullable ? '' : ' not null'}`);

  it('infers each column like Spark: int, bigint, decimal for huge integers, double, date, timestamp, boolean, string', async () => {
    const text = [
      'i,l,huge,d,dt,ts,b,s,empty',
      '1,3000000000,123456789012345678901,1.5,2024-01-31,2024-01-31 10:00:00,true,x,',
      '-7,1,1,2,2024-02-29,2024-01-31T10:00:00.123Z,FALSE,1,',
      ',,,1e5,,2024-02-01T10:00+02:00,,2024-01-01,',
    ].join('\n');
    expect(await infer(text)).toEqual(['i: int', 'l: bigint', 'huge: decimal(21,0)', 'd: double', 'dt: date', 'ts: timestamp', 'b: boolean', 's: string', 'empty: string']);
  });

  it('widens across rows as Spark does', async () => {
    const text = ['int_double,int_bool,date_ts,double_nan,bigint_decimal,year_month', '1,1,2024-01-01,1.0,1,2024-01', '2.5,true,2024-01-01 00:00:00,NaN,99999999999999999999,2024-1', '3,0,,-Inf,,'].join('\n');
    expect(await infer(text)).toEqual(['int_double: double', 'int_bool: string', 'date_ts: string', 'double_nan: double', 'bigint_decimal: decimal(20,0)', 'year_month: timestamp']);
  });

  it('rejects invalid dates and times as dates and timestamps', async () => {
    expect(await infer('a,b,c\n2024-02-30,2024-01-01 25:00:00,2023-02-29\n')).toEqual(['a: string', 'b: string', 'c: string']);
  });

  it('names columns _c0, _c1, ... without a header, from the first record', async () => {
    expect(await infer('1,x\n2,y,extra\n', { header: false })).toEqual(['_c0: int', '_c1: string']);
  });

  it('makes header names unique as Spark does', async () => {
    expect(await infer('id,,Id\n1,2,3\n')).toEqual(['id0: int', '_c1: int', 'Id2: int']);
  });

  it('looks only at the first sampleRows rows', async () => {
    expect(await infer('n\n1\n2\nnot a number\n', {}, 2)).toEqual(['n: int']);
    expect(await infer('n\n1\n2\nnot a number\n')).toEqual(['n: string']);
  });

  it('stops reading once it has sampleRows rows (the object may be endless)', async () => {
    const endless: ObjectSource = {
      ...source(''),
      async *stream() {
        yield encoder.encode('n,s\n');
        for (;;) yield encoder.encode('1,x\n2,y\n');
      },
    };
    expect((await inferCsvSchema(endless, DEFAULTS, { sampleRows: 50 })).map((f) => f.type.kind)).toEqual(['int', 'string']);
  });

  it('fails on an empty object', async () => {
    await expect(inferCsvSchema(source(''), DEFAULTS)).rejects.toThrow('fixtures/orders.csv: the object is empty, so no schema can be inferred from it');
  });
});

// ---- writing ---------------------------------------------------------------

describe('CSV writer', () => {
  const schema = schemaOf({
    id: 'int',
    big: 'bigint',
    ratio: 'double',
    f: 'float',
    amount: 'decimal(12,2)',
    tiny: 'decimal(10,8)',
    day: 'date',
    at: 'timestamp',
    ok: 'boolean',
    note: 'string',
  });
  const rows = batch(schema, [
    col.int([1, -2, null]),
    col.bigint([9007199254740993n, -1n, null]),
    col.double([1, 1e10, 0.0001]),
    col.float([0.1, 3.4028234663852886e38, null]),
    col.decimal(12, 2, [1250n, 0n, -5n]),
    col.decimal(10, 8, [1n, 12345678n, 100n]),
    col.date([19753, -1, null]),
    col.timestamp([1706670000123456n, -1n, 0n]),
    col.boolean([true, false, null]),
    col.string(['plain', 'has "quotes", commas\nand lines', '']),
  ]);

  it('writes a header and values as Spark prints them, quoting only where needed', async () => {
    expect(await writeText(schema, [rows])).toBe(
      [
        'id,big,ratio,f,amount,tiny,day,at,ok,note',
        '1,9007199254740993,1.0,0.1,12.50,1E-8,2024-01-31,2024-01-31T03:00:00.123Z,true,plain',
        '-2,-1,1.0E10,3.4028235E38,0.00,0.12345678,1969-12-31,1969-12-31T23:59:59.999Z,false,"has ""quotes"", commas\nand lines"',
        ',,1.0E-4,,-0.05,0.00000100,,1970-01-01T00:00:00.000Z,,""',
        '',
      ].join('\n'),
    );
  });

  it('writes sliced batches (apache-arrow re-slices value buffers, not validity bits)', async () => {
    const whole = await writeText(schema, [rows]);
    const header = whole.indexOf('\n') + 1;
    const withoutFirstRow = whole.slice(0, header) + whole.slice(whole.indexOf('\n', header) + 1);
    expect(await writeText(schema, [rows.slice(1, 3)])).toBe(withoutFirstRow);
  });

  it('prints doubles as Java does', async () => {
    const s = schemaOf({ x: 'double' });
    const values = [0, -0, 0.001, 0.0001, 123.456, 1e7, 9999999, 1.0e-300, Number.MAX_VALUE, NaN, Infinity, -Infinity, 100];
    const text = await writeText(s, [batch(s, [col.double(values)])]);
    expect(text.split('\n').slice(1, -1)).toEqual(['0.0', '-0.0', '0.001', '1.0E-4', '123.456', '1.0E7', '9999999.0', '1.0E-300', '1.7976931348623157E308', 'NaN', 'Infinity', '-Infinity', '100.0']);
  });

  it('quotes header names that need it, and writes an empty file as the header alone', async () => {
    const s = schemaOf([{ name: 'a,b', type: 'int' }]);
    expect(await writeText(s, [])).toBe('"a,b"\n');
  });

  it('refuses nested and binary columns, as Spark does', async () => {
    const s = schemaOf({ tags: 'array<string>' });
    await expect(writeText(s, [])).rejects.toThrow('column "tags" is array<string>, which CSV cannot hold');
    const b = schemaOf({ raw: 'binary' });
    const data = makeData({ type: new Binary(), length: 0, nullCount: 0, valueOffsets: new Int32Array(1), data: new Uint8Array(0) });
    await expect(writeText(b, [batch(b, [data])])).rejects.toThrow('column "raw" is binary');
  });

  it('passes errors through gzip', async () => {
    const s = schemaOf({ tags: 'map<string,int>' });
    await expect(collect(csvWriter.write(batches(), { schema: s, compression: 'gzip' }))).rejects.toThrow('column "tags" is map<string,int>');
    await expect(collect(csvWriter.write(batches(), { schema: s, compression: 'zstd' }))).rejects.toThrow('unsupported compression "zstd" for a text format');
  });

  it('names files .csv or .csv.gz', () => {
    expect(csvWriter.extension({ schema, compression: 'none' })).toBe('.csv');
    expect(csvWriter.extension({ schema, compression: 'gzip' })).toBe('.csv.gz');
  });

  it('gzips when asked, and the reader reads the result back', async () => {
    const gz = await collect(csvWriter.write(batches(rows), { schema, compression: 'gzip' }));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(new TextDecoder().decode(gunzipSync(gz))).toBe(await writeText(schema, [rows]));
    const back = await read(gz, { note: 'string', id: 'int' }, { chunk: 7 });
    expect(back).toEqual([
      ['plain', '1'],
      ['has "quotes", commas\nand lines', '-2'],
      ['', null],
    ]);
  });

  it('reads back what it wrote: every value as its printed text, nulls as nulls, empty strings as empty strings', async () => {
    const text = await writeText(schema, [rows, rows]);
    const declared = Object.fromEntries(schema.map((f) => [f.name, f.type.kind === 'decimal' ? `decimal(${f.type.precision},${f.type.scale})` : f.type.kind]));
    const back = await read(text, declared, { batchRows: 4 });
    expect(back).toHaveLength(6);
    expect(back[2]).toEqual([null, null, '1.0E-4', null, '-0.05', '0.00000100', null, '1970-01-01T00:00:00.000Z', null, '']);
    expect(back[4]![9]).toBe('has "quotes", commas\nand lines');
  });
});
