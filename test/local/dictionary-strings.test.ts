/**
 * Dictionary-encoded strings (kernels/dictionary.ts) and projection pushdown to the
 * readers: a string column a filter reads only for its condition comes from Parquet as a
 * dictionary, every expression over it gives what it gives over plain strings, and columns
 * no node uses are never read.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dictionary, Int32, makeData, makeVector, RecordBatch, Type, Utf8, type Data } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSchema, type Schema } from '../../catalog/schema.js';
import { t } from '../../catalog/types.js';
import { ProblemList } from '../../core/problems.js';
import { col, fn, lit, not, toNode, type ExprLike } from '../../expr/expr.js';
import { makeBatch } from '../../kernels/batches.js';
import { NON_ANSI } from '../../kernels/context.js';
import { decodeDictionary, isStringDictionary } from '../../kernels/dictionary.js';
import { evaluate } from '../../kernels/evaluate.js';
import { parquetReader, parquetWriter } from '../../local-runner/formats/parquet.js';
import { fileSource } from '../../local-runner/stores/fixtures.js';
import { expectRows, rowsToBatches, runLocally } from '../../local-runner/testing.js';
import { applyMapping, defineJob, filter, s3Sink, s3Source } from '../../index.js';
import { column, valuesOf } from '../kernels/rows.js';
import { buildJob } from '../../jobs/validate.js';
import { dictionaryColumns, prunedSchemas } from '../../local-runner/executor.js';
import benchJob from '../../bench/jobs/orders-pipeline.js';

const STATUS = ['PAID', 'SHIPPED', 'PENDING', 'CANCELLED', ''];

/** A Dictionary<Int32, Utf8> column of `values` (null for NULL rows; entries may be NULL too). */
function dictionaryOf(values: readonly (string | null)[], entries: readonly (string | null)[]): Data {
  const indices = new Int32Array(values.length);
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) {
      indices[i] = 12345; // a NULL row's index may be anything
      nullCount++;
      return;
    }
    indices[i] = entries.indexOf(v);
    bitmap[i >> 3]! |= 1 << (i & 7);
  });
  const dictionary = makeVector(column(t.string(), entries));
  return makeData({ type: new Dictionary(new Utf8(), new Int32()), length: values.length, nullCount, nullBitmap: bitmap, data: indices, dictionary } as never);
}

describe('expressions over a dictionary-encoded string column', () => {
  const rows = Array.from({ length: 53 }, (_, i) => (i % 7 === 3 ? null : STATUS[(i * 5) % STATUS.length]!));
  const entries = [...STATUS, null, 'UNUSED'];
  const schema: Schema = resolveSchema({ status: 'string', n: 'int' }, new ProblemList().at('s'))!;
  const n = column(t.int(), rows.map((_, i) => i));
  const plain = makeBatch(schema, [column(t.string(), rows), n], rows.length);
  const encoded = makeBatch(schema, [dictionaryOf(rows, entries), n], rows.length);

  it('decodes to the plain column, NULL rows included', () => {
    expect(isStringDictionary(encoded.data.children[0]!)).toBe(true);
    expect(valuesOf(decodeDictionary(encoded.data.children[0]!), t.string())).toEqual(rows);
  });

  const cases: [string, ExprLike][] = [
    ['= literal', col('status').eq('PAID')],
    ['literal =', lit('SHIPPED').eq(col('status'))],
    ['<> literal', col('status').ne('PAID')],
    ['= empty string', col('status').eq('')],
    ['= value not in the dictionary', col('status').eq('REFUNDED')],
    ['IN', col('status').in(['PAID', 'SHIPPED'])],
    ['NOT IN', col('status').notIn(['PAID', 'CANCELLED'])],
    ['NOT (IN)', not(col('status').in(['PAID', 'CANCELLED']))],
    ['IN with NULL', col('status').in(['PAID', lit(null).cast('string')])],
    ['NOT IN with NULL', col('status').notIn(['PAID', lit(null).cast('string')])],
    ['= NULL', col('status').eq(lit(null).cast('string'))],
    ['IS NULL', col('status').isNull()],
    ['<', col('status').lt('Q')],
    ['function', fn.upper(fn.lower(col('status'))).eq('PENDING')],
    ['AND with another column', col('status').eq('PAID').and(col('n').gt(10))],
  ];
  for (const [name, where] of cases) {
    it(`gives the same result as plain strings: ${name}`, () => {
      const node = toNode(where);
      const expected = evaluate(node, plain, schema, NON_ANSI);
      const actual = evaluate(node, encoded, schema, NON_ANSI);
      expect(valuesOf(actual.data, actual.type)).toEqual(valuesOf(expected.data, expected.type));
    });
  }
});

describe('dictionary strings and projection in a run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gluekit-dictionary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The file holds `extra` as a string; the jobs declare it an int, which reading it would
  // refuse: a job that never uses it runs only if the reader never reads it.
  const fileSchema = resolveSchema({ id: 'bigint', status: 'string', currency: 'string', extra: 'string' }, new ProblemList().at('s'))!;
  const rows = Array.from({ length: 300 }, (_, i) => ({
    id: i,
    status: i % 11 === 0 ? null : STATUS[i % 4],
    currency: ['EUR', 'USD', 'GBP'][i % 3],
    extra: `x${i}`,
  }));

  /** orders -> filter -> applyMapping (id, and status when `keepStatus`) -> sink. */
  const job = (where: ExprLike, keepStatus: boolean) =>
    defineJob({
      name: 'dictionary-strings',
      role: 'arn:aws:iam::123456789012:role/R',
      region: 'eu-west-1',
      security: { allowUnencryptedSinks: true },
      sources: {
        orders: s3Source({ path: 's3://bkt/orders/', format: 'parquet', schema: { id: 'bigint', status: 'string', currency: 'string', extra: 'int' } }),
      },
      transforms: {
        kept: filter({ input: 'orders', where }),
        picked: applyMapping({ input: 'kept', mappings: keepStatus ? [{ from: 'id' }, { from: 'status' }] : [{ from: 'id' }] }),
      },
      sinks: { out: s3Sink({ input: 'picked', path: 's3://bkt/out/' }) },
    });

  it('filters a string column read as a dictionary as it filters plain strings', async () => {
    mkdirSync(join(dir, 'bkt/orders'), { recursive: true });
    const batches = await rowsToBatches(rows, fileSchema, { ansi: false }, 'orders.parquet', 64);
    const chunks: Uint8Array[] = [];
    for await (const c of parquetWriter.write((async function* () { yield* batches; })(), { schema: fileSchema, compression: 'snappy' })) chunks.push(c);
    const path = join(dir, 'bkt/orders/orders.parquet');
    writeFileSync(path, Buffer.concat(chunks));

    // The reader: dictionaries where asked, the same strings as without.
    const read = async (dictionaryColumns?: ReadonlySet<string>) => {
      const schema = fileSchema.filter((f) => f.name === 'status' || f.name === 'currency');
      const out: RecordBatch[] = [];
      for await (const b of parquetReader.read(fileSource(path, 'orders.parquet', Buffer.concat(chunks).length), { schema, batchRows: 100, ...(dictionaryColumns && { dictionaryColumns }) })) out.push(b);
      return out;
    };
    const asDictionary = await read(new Set(['status']));
    expect(asDictionary[0]!.data.children[0]!.type.typeId).toBe(Type.Dictionary);
    expect(asDictionary[0]!.data.children[1]!.type.typeId).toBe(Type.Utf8);
    const plainRead = await read();
    const strings = (bs: RecordBatch[]) => bs.flatMap((b) => valuesOf(isStringDictionary(b.data.children[0]!) ? decodeDictionary(b.data.children[0]!) : b.data.children[0]!, t.string()));
    expect(strings(asDictionary)).toEqual(strings(plainRead));
    expect(strings(plainRead)).toEqual(rows.map((r) => r.status));

    // A run: status and currency are read as dictionaries when the filter only tests them,
    // plainly when status goes on; `extra` is never read (declared int, stored as string).
    const where = col('status').in(['PAID', 'SHIPPED']).and(col('currency').ne('USD'));
    const expected = rows.filter((r) => (r.status === 'PAID' || r.status === 'SHIPPED') && r.currency !== 'USD');
    const tested = await runLocally(job(where, false), { fixtures: dir });
    await expectRows(tested.outputs.out, expected.map((r) => ({ id: r.id })));
    const passedOn = await runLocally(job(where, true), { fixtures: dir });
    await expectRows(passedOn.outputs.out, expected.map((r) => ({ id: r.id, status: r.status })));
    const negated = await runLocally(job(not(where), false), { fixtures: dir });
    // NOT (status IN (...) AND currency <> 'USD') in three-valued logic: true for USD rows
    // whatever the status, NULL (dropped) for a NULL status otherwise.
    const negatedRows = rows.filter((r) => r.currency === 'USD' || (r.status !== null && r.status !== 'PAID' && r.status !== 'SHIPPED'));
    await expectRows(negated.outputs.out, negatedRows.map((r) => ({ id: r.id })));
  });

  it('asks for dictionaries only for strings a filter tests and passes on to nobody', () => {
    const chosen = (definition: ReturnType<typeof job>) => {
      const ir = buildJob(definition);
      const consumers = new Map(ir.nodes.map((n) => [n.id, ir.nodes.filter((m) => (m.inputs as readonly string[]).includes(n.id)).length] as const));
      return [...(dictionaryColumns(ir, consumers, prunedSchemas(ir)).get('orders') ?? [])].sort();
    };
    const where = col('status').in(['PAID']).and(col('currency').eq('EUR'));
    expect(chosen(job(where, false))).toEqual(['currency', 'status']);
    expect(chosen(job(where, true))).toEqual(['currency']);
    expect(chosen(benchJob)).toEqual(['currency', 'status']);
  });

  it('reads a column no node uses not at all (projection pushdown)', async () => {
    // Had `extra` been read, its strings would be refused as the declared int.
    const plainRun = await runLocally(job(col('id').lt(5), true), { fixtures: dir });
    await expectRows(plainRun.outputs.out, rows.slice(0, 5).map((r) => ({ id: r.id, status: r.status })));
  });
});
