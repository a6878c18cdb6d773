/**
 * The Parquet writer and reader: round trips read back by gluekit and by DuckDB, every
 * compression, projection, predicate pushdown on footer statistics, footer row counts,
 * and refusals.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSchema, type Schema } from '../../catalog/schema.js';
import { makeBatch } from '../../kernels/batches.js';
import { fixedData, setDecimal, stringData } from '../../kernels/columns.js';
import { ProblemList } from '../../core/problems.js';
import { toArrowType } from '../../catalog/arrow.js';
import { conformColumn } from '../../local-runner/formats/conform.js';
import type { ColumnStatistics } from '../../local-runner/formats/format.js';
import { inspectParquet, parquetReader, parquetWriter } from '../../local-runner/formats/parquet.js';
import { fileSource } from '../../local-runner/stores/fixtures.js';
import { batchRows, type JsonValue } from '../../local-runner/values.js';
import { makeData, vectorFromArray, Struct, Field, Int32, Utf8, List, Map_ } from 'apache-arrow';

const dir = mkdtempSync(join(tmpdir(), 'gluekit-parquet-'));
let duck: DuckDBConnection;
beforeAll(async () => {
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => {
  duck?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

function schemaOf(input: Record<string, string>): Schema {
  const schema = resolveSchema(input, new ProblemList().at(''));
  if (!schema) throw new Error('bad schema');
  return schema;
}

async function* once(...batches: RecordBatch[]): AsyncIterable<RecordBatch> {
  yield* batches;
}

async function write(name: string, schema: Schema, batches: RecordBatch[], compression = 'snappy'): Promise<string> {
  const path = join(dir, name + parquetWriter.extension({ schema, compression }));
  const parts: Uint8Array[] = [];
  for await (const part of parquetWriter.write(once(...batches), { schema, compression })) parts.push(part);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

const source = (path: string) => fileSource(path, path.split('/').pop()!, statSync(path).size);

async function readBack(path: string, schema: Schema, mayMatch?: (s: ColumnStatistics) => boolean, batchRows_ = 1000): Promise<{ [c: string]: JsonValue }[]> {
  const rows: { [c: string]: JsonValue }[] = [];
  for await (const b of parquetReader.read(source(path), { schema, batchRows: batchRows_, ...(mayMatch && { mayMatch }) })) {
    expect(b.numRows).toBeLessThanOrEqual(batchRows_);
    rows.push(...batchRows(b, schema));
  }
  return rows;
}

async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  return (await duck.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

/** One canonical column from plain values (decimals as text). */
function columnData(type: Schema[number]['type'], values: unknown[]): ReturnType<typeof fixedData> {
  const arrow = toArrowType(type);
  switch (type.kind) {
    case 'decimal': {
      const words = new Uint32Array(values.length * 4);
      const bitmap = new Uint8Array((values.length + 7) >> 3).fill(0xff);
      values.forEach((v, i) => {
        if (v === null) bitmap[i >> 3]! &= ~(1 << (i & 7));
        else setDecimal(words, i, BigInt((v as string).replace('.', '')));
      });
      return fixedData(arrow, words, values.length, bitmap);
    }
    case 'string':
      return stringData(arrow, values as (string | null)[]);
    default:
      return conformColumn(vectorFromArray(values as never, arrow as never).data[0]!, type, { object: 'test', column: 'c' });
  }
}

describe('Parquet round trips', () => {
  const schema = schemaOf({ id: 'bigint', amount: 'decimal(38,6)', price: 'decimal(12,2)', ts: 'timestamp', day: 'date', name: 'string', ok: 'boolean' });
  const ids = [1n, -2n, 9007199254740993n, null];
  const amounts = ['-12345678901234567890123456789012.345678', '99999999999999999999999999999999.999999', '0.000001', null];
  const prices = ['-0.01', '9999999999.99', '12.50', null];
  const ts = [1704141296123456n, -1n, 253402300799999999n, null];
  const days = [-719162, 0, 2932896, null];
  const names = ['zürich ☃ 😀', '', 'a"b,c', null];
  const oks = [true, false, null, true];

  let batch: RecordBatch;
  beforeAll(() => {
    batch = makeBatch(schema, [
      conformColumn(vectorFromArray(ids as never, toArrowType(schema[0]!.type) as never).data[0]!, schema[0]!.type, { object: 't', column: 'id' }),
      columnData(schema[1]!.type, amounts),
      columnData(schema[2]!.type, prices),
      fixedData(toArrowType(schema[3]!.type), new BigInt64Array(ts.map((v) => v ?? 0n)), 4, Uint8Array.of(0b0111)),
      fixedData(toArrowType(schema[4]!.type), new Int32Array(days.map((v) => v ?? 0)), 4, Uint8Array.of(0b0111)),
      stringData(toArrowType(schema[5]!.type), names),
      conformColumn(vectorFromArray(oks as never, toArrowType(schema[6]!.type) as never).data[0]!, schema[6]!.type, { object: 't', column: 'ok' }),
    ], 4);
  });

  for (const compression of ['snappy', 'gzip', 'zstd', 'uncompressed']) {
    it(`writes ${compression} and reads it back exactly, with gluekit and with DuckDB`, async () => {
      const path = await write(`types-${compression}`, schema, [batch], compression);
      expect(path.endsWith({ snappy: '.snappy.parquet', gzip: '.gz.parquet', zstd: '.zstd.parquet', uncompressed: '.parquet' }[compression]!)).toBe(true);
      const rows = await readBack(path, schema);
      expect(rows).toEqual([
        { id: '1', amount: amounts[0], price: '-0.01', ts: '2024-01-01T20:34:56.123456Z', day: '0001-01-01', name: names[0], ok: true },
        { id: '-2', amount: amounts[1], price: '9999999999.99', ts: '1969-12-31T23:59:59.999999Z', day: '1970-01-01', name: '', ok: false },
        { id: '9007199254740993', amount: '0.000001', price: '12.50', ts: '9999-12-31T23:59:59.999999Z', day: '9999-12-31', name: 'a"b,c', ok: null },
        { id: null, amount: null, price: null, ts: null, day: null, name: null, ok: true },
      ]);
      const theirs = await duckRows(`SELECT CAST(id AS VARCHAR) id, CAST(amount AS VARCHAR) amount, CAST(price AS VARCHAR) price, epoch_us(ts)::VARCHAR ts,
        strftime("day", '%Y-%m-%d') "day", name, ok, typeof(amount) ta, typeof(ts) tt FROM read_parquet('${path}')`);
      expect(theirs.map((r) => [r['id'], r['amount'], r['price'], r['ts'], r['day'], r['name'], r['ok']])).toEqual(
        ids.map((id, i) => [id === null ? null : String(id), amounts[i], prices[i], ts[i] === null ? null : String(ts[i]), rows[i]!['day'], names[i], oks[i]]),
      );
      expect(theirs[0]!['ta']).toBe('DECIMAL(38,6)');
      expect(theirs[0]!['tt']).toBe('TIMESTAMP WITH TIME ZONE');
    });
  }

  it('round-trips nested lists, structs and maps', async () => {
    const nested = schemaOf({ tags: 'array<string>', point: 'struct<x:int,label:string>', attrs: 'map<string,int>' });
    const tagsType = toArrowType(nested[0]!.type) as List;
    const tags = makeData({ type: tagsType, length: 3, nullCount: 1, nullBitmap: Uint8Array.of(0b011), valueOffsets: Int32Array.of(0, 2, 2, 2), child: stringData(new Utf8(), ['a', 'ü']) });
    const pointType = toArrowType(nested[1]!.type) as Struct;
    const point = makeData({ type: pointType, length: 3, nullCount: 1, nullBitmap: Uint8Array.of(0b101), children: [
      fixedData(new Int32(), Int32Array.of(1, 0, -3), 3), stringData(new Utf8(), ['p', null, null])] });
    const attrsType = toArrowType(nested[2]!.type) as Map_;
    const entriesType = attrsType.children[0]!.type as Struct;
    const entries = makeData({ type: entriesType, length: 3, nullCount: 0, children: [stringData(new Utf8(), ['k1', 'k2', 'k3']), fixedData(new Int32(), Int32Array.of(1, 2, 3), 3, Uint8Array.of(0b101))] });
    const attrs = makeData({ type: attrsType, length: 3, nullCount: 0, valueOffsets: Int32Array.of(0, 2, 2, 3), child: entries });
    const path = await write('nested', nested, [makeBatch(nested, [tags, point, attrs], 3)]);
    expect(await readBack(path, nested)).toEqual([
      { tags: ['a', 'ü'], point: { x: 1, label: 'p' }, attrs: { k1: 1, k2: null } },
      { tags: [], point: null, attrs: {} },
      { tags: null, point: { x: -3, label: null }, attrs: { k3: 3 } },
    ]);
    const theirs = await duckRows(`SELECT to_json(tags)::VARCHAR t, to_json(point)::VARCHAR p, to_json(attrs)::VARCHAR a FROM read_parquet('${path}')`);
    expect(theirs).toEqual([
      { t: '["a","ü"]', p: '{"x":1,"label":"p"}', a: '{"k1":1,"k2":null}' },
      { t: '[]', p: null, a: '{}' },
      { t: null, p: '{"x":-3,"label":null}', a: '{"k3":3}' },
    ]);
    void Field;
  });

  it('writes a file with no rows that still has the schema', async () => {
    const path = await write('empty', schema, []);
    const info = await inspectParquet(source(path));
    expect(info).toMatchObject({ rows: 0, rowGroups: 0 });
    expect(info.schema.map((f) => f.name)).toEqual(schema.map((f) => f.name));
    expect(await readBack(path, schema)).toEqual([]);
  });
});

describe('Parquet reading', () => {
  let path: string;
  const schema = schemaOf({ id: 'bigint', amount: 'decimal(12,2)', ts: 'timestamp', country: 'string' });
  beforeAll(async () => {
    // Three row groups (DuckDB writes one per ROW_GROUP_SIZE rows), ordered by id.
    path = join(dir, 'orders.parquet');
    await duck.run(`COPY (SELECT i::BIGINT id, (i * 1.25)::DECIMAL(12,2) amount, TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL 1 SECOND ts,
      CASE WHEN i % 3 = 0 THEN 'DE' ELSE 'FR' END country FROM range(0, 300000) t(i)) TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE 100000)`);
  });

  it('projects to the requested columns, in the requested order', async () => {
    const projected = schemaOf({ country: 'string', id: 'bigint' });
    let rows = 0;
    let first: JsonValue | undefined;
    for await (const b of parquetReader.read(source(path), { schema: projected, batchRows: 65536 })) {
      expect(b.schema.fields.map((f) => f.name)).toEqual(['country', 'id']);
      first ??= batchRows(b, projected)[0]!['id'];
      rows += b.numRows;
    }
    expect(rows).toBe(300000);
    expect(first).toBe('0');
  });

  it('skips row groups whose statistics rule them out', async () => {
    const seen: ColumnStatistics[] = [];
    const rows = await readBack(path, schema, (stats) => {
      seen.push(stats);
      const id = stats.get('id')!;
      return (id.max as bigint) >= 250000n;
    }, 65536);
    expect(seen).toHaveLength(3);
    const [first, , last] = seen.map((s) => s.get('id') as { min: bigint; max: bigint });
    const firstMax = first!.max;
    expect(first).toEqual({ min: 0n, max: firstMax, nullCount: 0 });
    expect(seen[0]!.get('amount')).toEqual({ min: '0.00', max: (Number(firstMax) * 1.25).toFixed(2), nullCount: 0 });
    expect(seen[0]!.get('ts')).toEqual({ min: 1704067200000000n, max: 1704067200000000n + firstMax * 1_000_000n, nullCount: 0 });
    expect(seen[0]!.get('country')).toEqual({ min: 'DE', max: 'FR', nullCount: 0 });
    expect(rows).toHaveLength(300000 - Number(last!.min));
    expect(rows[0]!['id']).toBe(String(last!.min));
  });

  it('converts statistics to the declared type, rounding bounds outwards', async () => {
    const wider = schemaOf({ id: 'decimal(20,0)', amount: 'decimal(12,1)' });
    let stats: ColumnStatistics | undefined;
    await readBack(path, wider, (s) => ((stats ??= s), false));
    const max = Number((stats!.get('id')!.max as string));
    expect(stats!.get('id')).toMatchObject({ min: '0' });
    // 1.25 * an odd id ends in .25 or .75: the declared scale 1 rounds the max up.
    expect(stats!.get('amount')).toMatchObject({ min: '0.0', max: (Math.ceil(max * 12.5) / 10).toFixed(1) });
  });

  it('refuses a column the file lacks, or holds as another type, naming the file and the column', async () => {
    await expect(readBack(path, schemaOf({ ID: 'bigint' }))).rejects.toThrow('orders.parquet: column ID is not in the file (it has "id"; names are matched exactly)');
    await expect(readBack(path, schemaOf({ country: 'int' }))).rejects.toThrow('orders.parquet: column country is string in the file but declared int');
    await expect(readBack(path, schemaOf({ amount: 'decimal(5,2)' }))).rejects.toThrow('orders.parquet: column amount: value 1000.00 at row 801 does not fit decimal(5,2)');
    // Rows are counted from the start of the file, not of the batch.
    const late = await readBack(path, schemaOf({ id: 'int' }));
    expect(late).toHaveLength(300000);
    await expect(readBack(path, schemaOf({ amount: 'decimal(6,2)' }), undefined, 1000)).rejects.toThrow('orders.parquet: column amount: value 10000.00 at row 8001 does not fit decimal(6,2)');
  });

  it('refuses a file whose decoded rows disagree with its footer', async () => {
    const bytes = Buffer.from(await (await source(path).blob()).arrayBuffer());
    // Claim 100001 rows in the first row group: patch its num_rows varint in the footer copy.
    const small = join(dir, 'small.parquet');
    await duck.run(`COPY (SELECT i::INT a FROM range(0, 5) t(i)) TO '${small}' (FORMAT parquet)`);
    const file = Buffer.from(await (await source(small).blob()).arrayBuffer());
    const footerLength = file.readUInt32LE(file.length - 8);
    const footer = file.subarray(file.length - 8 - footerLength, file.length - 8);
    // num_rows is an i64 field (zigzag 5 -> 10); the file's and the row group's both read 0x0a after their headers.
    let patched = 0;
    for (let i = 0; i < footer.length - 1; i++) {
      if ((footer[i] === 0x16 || footer[i] === 0x26) && footer[i + 1] === 0x0a) {
        footer[i + 1] = 0x0c;
        patched++;
      }
    }
    expect(patched).toBeGreaterThan(0);
    const broken = join(dir, 'broken.parquet');
    writeFileSync(broken, file);
    await expect(readBack(broken, schemaOf({ a: 'int' }))).rejects.toThrow(/broken\.parquet: (row group 0 decoded to 5 rows but the footer says 6|.*)/);
    void bytes;
  });

  it('reads the same rows through the file and through its Blob, and refuses a file that shrank after it was listed', async () => {
    const schema = schemaOf({ a: 'int', s: 'string' });
    const path = await write('ranges', schema, [makeBatch(schema, [columnData(schema[0]!.type, [1, null, 3]), columnData(schema[1]!.type, ['x', 'yy', null])], 3)]);
    const name = path.split('/').pop()!;
    const file = source(path);
    const { ranges: _, ...blobOnly } = file;
    const rows = async (object: typeof file) => {
      const out: JsonValue[] = [];
      for await (const batch of parquetReader.read(object, { schema, batchRows: 2 })) out.push(...batchRows(batch, schema));
      return out;
    };
    expect(await rows(file)).toEqual(await rows(blobOnly));
    expect(await rows(file)).toHaveLength(3);
    const size = statSync(path).size;
    const reader = await file.ranges!();
    await expect(reader.read(0, size + 1)).rejects.toThrow(`${name}: the file ends at byte ${size}, before byte ${size + 1} (did it change during the run?)`);
    await reader.close();
    await expect(rows(fileSource(path, name, size + 10))).rejects.toThrow(name);
  });

  it('refuses what is not Parquet', async () => {
    const junk = join(dir, 'junk.parquet');
    writeFileSync(junk, 'not a parquet file at all');
    await expect(inspectParquet(source(junk))).rejects.toThrow('junk.parquet: not a Parquet file: it does not end with "PAR1"');
  });
});
