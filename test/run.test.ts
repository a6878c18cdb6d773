/**
 * `gluekit run`, `gluekit preview` and the testing API, end to end: fixture files in,
 * partitioned Parquet out, a report, and nothing written when a run fails.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectRows, runLocally, compareRows } from '../local-runner/testing.js';
import shop from './jobs/shop.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'cli', 'bin.js');
const fixtures = join(root, 'test', 'jobs', 'shop-fixtures');
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function gluekit(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, GLUEKIT_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Every file below a directory, relative, sorted. */
function files(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as { isFile(): boolean; name: string; parentPath: string }[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** The shop job with one change, as a job file inside the repository (so 'gluekit' resolves). */
function shopVariant(change: (source: string) => string): string {
  const dir = mkdtempSync(join(root, '.tmp-jobs-'));
  made.push(dir);
  const file = join(dir, 'job.ts');
  writeFileSync(file, change(readFileSync(join(root, 'test', 'jobs', 'shop.ts'), 'utf8')));
  return file;
}

const PAID = [
  { order_id: 1, store: 'DE-1', amount: '12.50', order_date: '2024-01-31', city: 'Berlin' },
  { order_id: 3, store: 'FR-2', amount: '100.00', order_date: '2024-02-01', city: 'Paris' },
  { order_id: 4, store: null, amount: '3.10', order_date: '2024-02-01', city: null },
  { order_id: 5, store: 'FR-2', amount: null, order_date: '2024-02-01', city: 'Paris' },
];

describe('gluekit run', () => {
  it('writes partitioned Parquet and a report, and exits 0', () => {
    const out = tempDir('gluekit-run-');
    const r = gluekit('run', 'test/jobs/shop.ts', '--fixtures', fixtures, '--out', out);
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/with_city\s+Join\s+6\s+4/);
    expect(files(out)).toEqual([
      'run-report.json',
      'shop-curated/paid/order_date=2024-01-31/part-00000.snappy.parquet',
      'shop-curated/paid/order_date=2024-02-01/part-00000.snappy.parquet',
    ]);
    const report = JSON.parse(readFileSync(join(out, 'run-report.json'), 'utf8'));
    expect(report.nodes.map((n: { id: string; rowsOut: number }) => [n.id, n.rowsOut])).toEqual([
      ['orders', 5], ['stores', 2], ['paid', 4], ['by_day', 4], ['with_city', 4], ['out', 4],
    ]);
    expect(report.sinks[0]).toMatchObject({ id: 'out', path: 's3://shop-curated/paid/', rows: 4, partitions: ['order_date=2024-01-31', 'order_date=2024-02-01'] });
    // A join on a same-name key puts the key first, as Spark's USING join does.
    expect(report.nodes[4].schema).toEqual([
      { name: 'store', type: 'string', nullable: true },
      { name: 'order_id', type: 'bigint', nullable: true },
      { name: 'amount', type: 'decimal(10,2)', nullable: true },
      { name: 'order_date', type: 'date', nullable: true },
      { name: 'city', type: 'string', nullable: true },
    ]);
  });

  it('previews what it wrote, with exact values in --json', () => {
    const out = tempDir('gluekit-run-');
    expect(gluekit('run', 'test/jobs/shop.ts', '--fixtures', fixtures, '--out', out).code).toBe(0);
    const r = gluekit('preview', join(out, 'shop-curated/paid/order_date=2024-02-01/part-00000.snappy.parquet'), '--json');
    expect(r.code).toBe(0);
    const preview = JSON.parse(r.stdout);
    expect(preview.schema.map((f: { name: string; type: string }) => `${f.name} ${f.type}`)).toEqual(['store string', 'order_id bigint', 'amount decimal(10,2)', 'city string']);
    expect(preview.rows).toEqual([
      { store: 'FR-2', order_id: '3', amount: '100.00', city: 'Paris' },
      { store: null, order_id: '4', amount: '3.10', city: null },
      { store: 'FR-2', order_id: '5', amount: null, city: 'Paris' },
    ]);
  });

  it('fails under ANSI (Glue 6.0) at the node that casts, and leaves the previous output untouched', () => {
    const out = tempDir('gluekit-run-');
    expect(gluekit('run', 'test/jobs/shop.ts', '--fixtures', fixtures, '--out', out).code).toBe(0);
    const before = files(out).map((f) => [f, readFileSync(join(out, f))]);
    const ansi = shopVariant((s) => s.replace("glueVersion: '5.0'", "glueVersion: '6.0'"));
    const r = gluekit('run', ansi, '--fixtures', fixtures, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('node "orders"');
    expect(r.stderr).toContain('[CAST_INVALID_INPUT]');
    expect(r.stderr).toContain('not-a-number');
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(files(out).map((f) => [f, readFileSync(join(out, f))])).toEqual(before);
  });

  it('leaves no output at all when the first run fails', () => {
    const out = join(tempDir('gluekit-run-'), 'fresh');
    const broken = shopVariant((s) => s.replace("path: 's3://shop-raw/stores/'", "path: 's3://shop-raw/no-such-folder/'"));
    const r = gluekit('run', broken, '--fixtures', fixtures, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('node "stores": no data objects at s3://shop-raw/no-such-folder/');
    expect(existsSync(out) ? files(out) : []).toEqual([]);
  });

  it('prints the report as JSON with --json', () => {
    const out = tempDir('gluekit-run-');
    const r = gluekit('run', 'test/jobs/shop.ts', '--fixtures', fixtures, '--out', out, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ job: 'shop-paid-orders', glueVersion: '5.0', sinks: [{ id: 'out', rows: 4 }] });
  });

  it('reads fixtures from the default folder beside the job', () => {
    const dir = mkdtempSync(join(root, '.tmp-jobs-'));
    made.push(dir);
    cpSync(join(root, 'test', 'jobs', 'shop.ts'), join(dir, 'job.ts'));
    cpSync(fixtures, join(dir, 'fixtures'), { recursive: true });
    const out = tempDir('gluekit-run-');
    expect(gluekit('run', join(dir, 'job.ts'), '--out', out).code).toBe(0);
  });
});

describe('the testing API', () => {
  it('runs a job on rows written in the test and compares outputs ignoring order', async () => {
    const result = await runLocally(shop, {
      inputs: {
        orders: [
          { order_id: 10, store: 'DE-1', amount: '5', status: 'PAID', ordered_at: '2024-03-01 08:00:00' },
          { order_id: 11, store: 'DE-1', amount: 1.5, status: 'PENDING', ordered_at: '2024-03-01 09:00:00' },
        ],
        stores: [{ store: 'DE-1', city: 'Berlin' }],
      },
    });
    await expectRows(result.outputs.out, [{ order_id: 10, store: 'DE-1', amount: 5, order_date: '2024-03-01', city: 'Berlin' }]);
  });

  it('reads the fixtures for sources not given as rows', async () => {
    const result = await runLocally(shop, { fixtures, inputs: { stores: [{ store: 'FR-2', city: 'Lyon' }] } });
    await expectRows(result.outputs.out, PAID.map((r) => ({ ...r, city: r.store === 'FR-2' ? 'Lyon' : null })));
  });

  it('reports a readable row-level diff', async () => {
    const result = await runLocally(shop, { fixtures });
    const diff = await compareRows(result.outputs.out!, [...PAID.slice(1), { ...PAID[0]!, amount: '12.51' }]);
    expect(diff.pass).toBe(false);
    expect(diff.message).toContain('missing (expected, not produced):');
    expect(diff.message).toContain('"amount":"12.51"');
    expect(diff.message).toContain('unexpected (produced, not expected):');
    expect(diff.message).toContain('"amount":"12.50"');
  });

  it('refuses rows for a source the job does not have', async () => {
    await expect(runLocally(shop, { inputs: { nope: [] } })).rejects.toThrow('inputs.nope: the job has no source "nope"');
  });
});

describe('sink part files', () => {
  it('start a new part file every maxRowsPerFile rows in each partition folder, with every row kept', async () => {
    const { runJob } = await import('../local-runner/executor.js');
    const { buildJob } = await import('../jobs/validate.js');
    const { FixtureStore } = await import('../local-runner/stores/fixtures.js');
    const { MemoryStaging } = await import('../local-runner/stores/memory.js');
    const staging = new MemoryStaging();
    const result = await runJob(buildJob(shop), { store: new FixtureStore(fixtures), staging, maxRowsPerFile: 2, batchRows: 1 });
    expect(result.sinks[0]!.files.map((f) => [f.key, f.rows])).toEqual([
      ['paid/order_date=2024-01-31/part-00000.snappy.parquet', 1],
      ['paid/order_date=2024-02-01/part-00000.snappy.parquet', 2],
      ['paid/order_date=2024-02-01/part-00001.snappy.parquet', 1],
    ]);
  });
});

describe('gluekit preview on the parquet-testing corpus', () => {
  const bad = join(root, 'fixtures', 'parquet-testing', 'bad_data');
  // ARROW-GH-43605 is valid Parquet (a 0-bit dictionary index crashed only Go's reader);
  // arrow-rs and DuckDB read it too (see docs/parquet.md).
  const corrupt = readdirSync(bad).filter((f) => f.endsWith('.parquet') && f !== 'ARROW-GH-43605.parquet');

  it.each(corrupt)('refuses bad_data/%s with one line and exit 1', (file) => {
    const r = gluekit('preview', join(bad, file));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr.trim().split('\n').every((l) => !/^\s+at /.test(l))).toBe(true);
  });

  it('refuses a file with an unsupported column type, naming the feature, file and column', () => {
    const r = gluekit('preview', 'fixtures/parquet-testing/data/float16_zeros_and_nans.parquet');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unsupported: FLOAT16');
    expect(r.stderr).toContain('in fixtures/parquet-testing/data/float16_zeros_and_nans.parquet, column x');
  });

  it('reads a supported file', () => {
    expect(gluekit('preview', 'fixtures/parquet-testing/data/alltypes_plain.parquet', '--limit', '2').code).toBe(0);
  });
});
