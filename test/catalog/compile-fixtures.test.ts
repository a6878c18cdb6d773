/**
 * `gluekit compile --fixtures DIR`: the partitions of each partitioned catalog table in a
 * fixture tree become BatchCreatePartition inputs; a file outside the partition folders
 * is an error naming it, exit 1, and nothing is written.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const gluekit = (...args: string[]) => spawnSync(process.execPath, [join(root, 'cli', 'bin.js'), ...args], { cwd: root, encoding: 'utf8' });

describe('gluekit compile --fixtures', () => {
  it('writes the partitions found, sorted, with their Hive folder locations', () => {
    const out = mkdtempSync(join(tmpdir(), 'gluekit-parts-'));
    const r = gluekit('compile', 'test/jobs/every-transform.ts', '--out', out, '--fixtures', 'test/catalog/fixtures');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const request = JSON.parse(readFileSync(join(out, 'every-transform', 'catalog', 'shop.products.partitions.json'), 'utf8'));
    expect(request).toMatchObject({ DatabaseName: 'shop', TableName: 'products' });
    expect(request.PartitionInputList.map((p: { Values: string[]; StorageDescriptor: { Location: string } }) => [p.Values, p.StorageDescriptor.Location])).toEqual([
      [['board games'], 's3://shop-curated/products/category=board games/'],
      [['books'], 's3://shop-curated/products/category=books/'],
    ]);
    // Without --fixtures the output has no partitions and stays a pure function of the job.
    const plain = mkdtempSync(join(tmpdir(), 'gluekit-parts-'));
    expect(gluekit('compile', 'test/jobs/every-transform.ts', '--out', plain).status).toBe(0);
    expect(readdirSync(join(plain, 'every-transform', 'catalog')).filter((f) => f.includes('partitions'))).toEqual([]);
  });

  it('refuses a file outside the partition folders, naming it, and writes nothing', () => {
    const fixtures = mkdtempSync(join(tmpdir(), 'gluekit-parts-'));
    cpSync(join(root, 'test', 'catalog', 'fixtures', 'shop-curated'), join(fixtures, 'shop-curated'), { recursive: true });
    writeFileSync(join(fixtures, 'shop-curated', 'products', 'stray.csv'), 'sku,title,price\n');
    const out = join(mkdtempSync(join(tmpdir(), 'gluekit-parts-')), 'out');
    const r = gluekit('compile', 'test/jobs/every-transform.ts', '--out', out, '--fixtures', fixtures);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/shop-curated\/products\/stray\.csv: not in a category=<value>\/ folder, as table shop\.products is partitioned/);
    expect(existsSync(join(out, 'every-transform'))).toBe(false);
  });
});
