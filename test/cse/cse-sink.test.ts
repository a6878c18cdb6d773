/**
 * Client-side encrypted sinks: every file a CSE-KMS sink writes is an S3 Encryption
 * Client V2 object under the sink's key, its envelope as the object's metadata (locally
 * `<file>.metadata.json`), and decrypts to exactly the bytes the format writer produced.
 * Without keys, or with keys that lack the sink's key, the run fails before anything is
 * read and writes nothing. Also the staging side: metadata staged, committed and
 * dropped with its object, and refused where S3 would refuse it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Schema } from '../../catalog/schema.js';
import { buildJob, cseKms, defineJob, s3Sink, s3Source, t, type JobProps } from '../../index.js';
import { decryptObject } from '../../local-runner/cse/decrypting-source.js';
import { LocalKeystore } from '../../local-runner/cse/keystore.js';
import { blobOrigin } from '../../local-runner/cse/local-ciphertext.js';
import { runJob, type ProgressEvent, type RunOptions } from '../../local-runner/executor.js';
import { parquetReader } from '../../local-runner/formats/parquet.js';
import { DirectoryStaging, FixtureStore } from '../../local-runner/stores/fixtures.js';
import { MemoryStaging } from '../../local-runner/stores/memory.js';
import { runLocally, expectRows } from '../../local-runner/testing.js';
import { batchRows } from '../../local-runner/values.js';
import shop from '../jobs/shop.js';
import { cleanupFolders, freshFolder, memorySource, OTHER_ARN, PRODUCTION_ARN, secretForms, testKeystore } from './helpers.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'cli', 'bin.js');
const fixtures = join(root, 'test', 'jobs', 'shop-fixtures');
const jobDirs: string[] = [];
afterAll(async () => {
  await cleanupFolders();
  for (const dir of jobDirs) rmSync(dir, { recursive: true, force: true });
});

function gluekit(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, GLUEKIT_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file below a directory, relative, sorted. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as { isFile(): boolean; name: string; parentPath: string }[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** The shop job (CSV and JSON in, a join, partitioned Parquet out) with its sink changed. */
function shopWithSink(sink: Partial<Parameters<typeof s3Sink>[0]>) {
  return buildJob(defineJob({ ...(shop as JobProps), sinks: { out: s3Sink({ input: 'with_city', path: 's3://shop-secure/paid/', partitionKeys: ['order_date'], ...sink }) } }));
}

const ENCRYPTED = shopWithSink({ encryption: cseKms(PRODUCTION_ARN) });
const PLAIN = shopWithSink({});

/** The sink's file columns (order_date is a folder) and their rows per partition. */
const FILE_SCHEMA: Schema = [
  { name: 'store', type: t.string(), nullable: true },
  { name: 'order_id', type: t.bigint(), nullable: true },
  { name: 'amount', type: t.decimal(10, 2), nullable: true },
  { name: 'city', type: t.string(), nullable: true },
];
const ROWS_BY_PARTITION: Record<string, unknown[]> = {
  'order_date=2024-01-31': [{ store: 'DE-1', order_id: '1', amount: '12.50', city: 'Berlin' }],
  'order_date=2024-02-01': [
    { store: 'FR-2', order_id: '3', amount: '100.00', city: 'Paris' },
    { store: null, order_id: '4', amount: '3.10', city: null },
    { store: 'FR-2', order_id: '5', amount: null, city: 'Paris' },
  ],
};
const PARTS = Object.keys(ROWS_BY_PARTITION).map((p) => `shop-secure/paid/${p}/part-00000.snappy.parquet`);

async function run(ir: typeof ENCRYPTED, out: string, options: Partial<RunOptions> = {}) {
  return runJob(ir, { store: new FixtureStore(fixtures), staging: new DirectoryStaging(out, 'test'), ...options });
}

async function parquetRows(bytes: Uint8Array): Promise<unknown[]> {
  const rows: unknown[] = [];
  for await (const batch of parquetReader.read(memorySource('decrypted', bytes), { schema: FILE_SCHEMA, batchRows: 1024 })) rows.push(...batchRows(batch, FILE_SCHEMA));
  return rows;
}

describe('a CSE-KMS sink', () => {
  it('writes every file as a V2 object under the sink key, with its envelope beside it', async () => {
    const ks = await testKeystore();
    const out = await freshFolder();
    const result = await run(ENCRYPTED, out, { keys: ks.keys });
    expect(files(out)).toEqual(PARTS.flatMap((p) => [p, `${p}.metadata.json`]));

    const store = new FixtureStore(out);
    const ivs = new Set<string>();
    const wrapped = new Set<string>();
    for (const [i, part] of PARTS.entries()) {
      const key = part.slice('shop-secure/'.length);
      const metadata = (await store.metadata('shop-secure', key))!;
      // Files are encrypted as they stream, so the optional unencrypted length is not known up front.
      expect(Object.keys(metadata).sort()).toEqual(['x-amz-cek-alg', 'x-amz-iv', 'x-amz-key-v2', 'x-amz-matdesc', 'x-amz-tag-len', 'x-amz-wrap-alg']);
      expect(metadata).toMatchObject({ 'x-amz-cek-alg': 'AES/GCM/NoPadding', 'x-amz-wrap-alg': 'kms+context', 'x-amz-tag-len': '128' });
      // Glue cannot add a context when writing: only the entry the format itself requires.
      expect(JSON.parse(metadata['x-amz-matdesc']!)).toEqual({ 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding' });
      expect(blobOrigin(Buffer.from(metadata['x-amz-key-v2']!, 'base64'))).toEqual({ by: 'local keystore', keyId: ks.main.keyId });
      ivs.add(metadata['x-amz-iv']!);
      wrapped.add(metadata['x-amz-key-v2']!);

      const body = await readFile(join(out, part));
      expect(body.subarray(0, 4).toString('latin1')).not.toBe('PAR1');
      expect(result.sinks[0]!.files[i]).toMatchObject({ key, bytes: body.length });
      expect(metadata['x-amz-unencrypted-content-length']).toBeUndefined();

      const [object] = await store.list('shop-secure', key);
      const plaintext = await decryptObject(store.open('shop-secure', object!), metadata, { keys: ks.keys, keyId: PRODUCTION_ARN });
      const bytes = await plaintext.bytes();
      await plaintext.dispose();
      expect(await parquetRows(bytes)).toEqual(ROWS_BY_PARTITION[part.split('/')[2]!]);
    }
    // A fresh data key and IV for every file.
    expect(ivs.size).toBe(PARTS.length);
    expect(wrapped.size).toBe(PARTS.length);
  });

  it('encrypts exactly the bytes the format writer produced', async () => {
    const ks = await testKeystore();
    const [encryptedOut, plainOut] = [await freshFolder(), await freshFolder()];
    await run(ENCRYPTED, encryptedOut, { keys: ks.keys });
    await run(PLAIN, plainOut);
    const store = new FixtureStore(encryptedOut);
    for (const part of PARTS) {
      const key = part.slice('shop-secure/'.length);
      const [object] = await store.list('shop-secure', key);
      const plaintext = await decryptObject(store.open('shop-secure', object!), await store.metadata('shop-secure', key), { keys: ks.keys });
      expect(Buffer.from(await plaintext.bytes())).toEqual(await readFile(join(plainOut, part)));
      await plaintext.dispose();
    }
  });

  it('writes what a CSE source of the runner reads back, on Glue 6.0 too', async () => {
    const ks = await testKeystore();
    const out = await freshFolder();
    await run(ENCRYPTED, out, { keys: ks.keys });
    const reader = defineJob({
      name: 'read-back',
      role: 'arn:aws:iam::123456789012:role/GlueShop',
      region: 'eu-west-1',
      glueVersion: '6.0',
      security: { allowUnencryptedSinks: true },
      sources: {
        paid: s3Source({
          path: 's3://shop-secure/paid/',
          format: 'parquet',
          schema: { store: 'string', order_id: 'bigint', amount: 'decimal(10,2)', city: 'string' },
          encryption: cseKms(PRODUCTION_ARN),
        }),
      },
      sinks: { copy: s3Sink({ input: 'paid', path: 's3://elsewhere/copy/' }) },
    });
    const result = await runLocally(reader, { fixtures: out, keys: ks.keys });
    await expectRows(result.outputs.copy!, Object.values(ROWS_BY_PARTITION).flat() as Record<string, unknown>[]);
  });

  it('stages the envelope with the object in memory, for an unpartitioned JSON sink', async () => {
    const ks = await testKeystore();
    const staging = new MemoryStaging();
    const plainStaging = new MemoryStaging();
    const json = { format: 'json' as const, partitionKeys: [] };
    await runJob(shopWithSink({ ...json, encryption: cseKms(PRODUCTION_ARN) }), { store: new FixtureStore(fixtures), staging, keys: ks.keys });
    await runJob(shopWithSink(json), { store: new FixtureStore(fixtures), staging: plainStaging });
    expect([...staging.objects.keys()]).toEqual(['shop-secure/paid/part-00000.json']);
    expect([...staging.metadata.keys()]).toEqual(['shop-secure/paid/part-00000.json']);
    expect(plainStaging.metadata.size).toBe(0);
    const body = staging.objects.get('shop-secure/paid/part-00000.json')!;
    const plaintext = await decryptObject(memorySource('part-00000.json', body), staging.metadata.get('shop-secure/paid/part-00000.json'), { keys: ks.keys });
    const text = new TextDecoder().decode(await plaintext.bytes());
    await plaintext.dispose();
    expect(text).toBe(new TextDecoder().decode(plainStaging.objects.get('shop-secure/paid/part-00000.json')));
    expect(text.trim().split('\n')).toHaveLength(4);
  });
});

describe('a CSE-KMS sink that cannot encrypt', () => {
  it('without keys fails before reading anything, naming the sink and --keystore, and writes nothing', async () => {
    const out = await freshFolder();
    const ks = await testKeystore();
    await run(ENCRYPTED, out, { keys: ks.keys });
    const before = files(out).map((f) => [f, readFileSync(join(out, f))]);
    const events: ProgressEvent[] = [];
    const error = await run(ENCRYPTED, out, { onProgress: (e) => events.push(e) }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toBe('node "out": sink "out" is client-side encrypted (CSE-KMS); pass a keystore (gluekit run --keystore FILE, or --kms for AWS KMS) to encrypt its files');
    expect(events).toEqual([]); // no source was read
    expect(files(out).map((f) => [f, readFileSync(join(out, f))])).toEqual(before);
  });

  it('with a keystore that lacks the sink key fails the same way, and says nothing secret', async () => {
    const ks = await testKeystore();
    const onlyOther = join(await freshFolder(), 'other.json');
    const stored = JSON.parse(await readFile(ks.file, 'utf8')) as { keys: { arn?: string }[] };
    await writeFile(onlyOther, JSON.stringify({ ...stored, keys: stored.keys.filter((k) => k.arn === OTHER_ARN) }), { mode: 0o600 });
    const out = join(await freshFolder(), 'fresh');
    const error = await run(ENCRYPTED, out, { keys: await LocalKeystore.open(onlyOther) }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/^node "out": sink "out" cannot encrypt its files under arn:aws:kms:.*: NotFoundException: key .* is not in the keystore/);
    for (const secret of secretForms(ks.materials)) expect(error?.message).not.toContain(secret);
    expect(files(out)).toEqual([]);
  });

  it('with a disabled key fails before reading anything', async () => {
    const ks = await testKeystore();
    const stored = JSON.parse(await readFile(ks.file, 'utf8')) as { keys: { arn?: string; enabled: boolean }[] };
    for (const key of stored.keys) if (key.arn === PRODUCTION_ARN) key.enabled = false;
    await writeFile(ks.file, JSON.stringify(stored));
    await chmod(ks.file, 0o600);
    const out = await freshFolder();
    const error = await run(ENCRYPTED, out, { keys: await LocalKeystore.open(ks.file) }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toBe(`node "out": sink "out" cannot encrypt its files: key ${PRODUCTION_ARN} is disabled`);
    expect(files(out)).toEqual([]);
  });
});

describe('gluekit run with a CSE-KMS sink, and fixtures decrypt on its output', () => {
  // Job files import 'gluekit', which resolves only inside the package.
  function encryptedShopJob(): string {
    const dir = mkdtempSync(join(root, '.tmp-jobs-'));
    jobDirs.push(dir);
    const file = join(dir, 'job.ts');
    const source = readFileSync(join(root, 'test', 'jobs', 'shop.ts'), 'utf8')
      .replace('import { applyMapping,', 'import { applyMapping, cseKms,')
      .replace("partitionKeys: ['order_date'] })", `partitionKeys: ['order_date'], encryption: cseKms('${PRODUCTION_ARN}') })`);
    expect(source).toContain('cseKms(');
    writeFileSync(file, source);
    return file;
  }

  it('writes encrypted files that fixtures decrypt turns back into the same rows', async () => {
    const ks = await testKeystore();
    const job = encryptedShopJob();
    const out = await freshFolder();
    const r = gluekit('run', job, '--fixtures', fixtures, '--out', out, '--keystore', ks.file);
    expect(r.stderr).not.toContain('gluekit:');
    expect(r.code).toBe(0);
    const part = join(out, 'shop-curated/paid/order_date=2024-02-01/part-00000.snappy.parquet');
    expect(existsSync(`${part}.metadata.json`)).toBe(true);

    const plain = join(await freshFolder(), 'part.parquet');
    const d = gluekit('fixtures', 'decrypt', part, '--out', plain, '--keystore', ks.file);
    expect(d.stderr).toBe('');
    expect(d.code).toBe(0);
    const preview = gluekit('preview', plain, '--json');
    expect(preview.code).toBe(0);
    expect(JSON.parse(preview.stdout).rows).toEqual(ROWS_BY_PARTITION['order_date=2024-02-01']);
  });

  it('without --keystore exits 1 naming the sink, and writes nothing', async () => {
    const job = encryptedShopJob();
    const out = join(await freshFolder(), 'fresh');
    const r = gluekit('run', job, '--fixtures', fixtures, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gluekit: node "out": sink "out" is client-side encrypted (CSE-KMS); pass a keystore (gluekit run --keystore FILE, or --kms for AWS KMS) to encrypt its files');
    expect(files(out)).toEqual([]);
  });
});

describe('output staging with object metadata', () => {
  const chunks = (text: string) =>
    (async function* () {
      yield new TextEncoder().encode(text);
    })();

  it('stages <file>.metadata.json beside the file, commits it with its folder, and drops it on abort', async () => {
    const out = await freshFolder();
    const staging = new DirectoryStaging(out, 'a');
    await staging.write('b', 'f/part-0.json', chunks('{}\n'), { 'x-amz-iv': 'AAAA' });
    await staging.write('b', 'f/part-1.json', chunks('{}\n'), {});
    await staging.commit([{ bucket: 'b', prefix: 'f/' }]);
    expect(files(out)).toEqual(['b/f/part-0.json', 'b/f/part-0.json.metadata.json', 'b/f/part-1.json']);
    expect(await new FixtureStore(out).metadata('b', 'f/part-0.json')).toEqual({ 'x-amz-iv': 'AAAA' });

    const aborted = new DirectoryStaging(out, 'b');
    await aborted.write('b', 'f/part-0.json', chunks('[]\n'), { 'x-amz-iv': 'BBBB' });
    await aborted.abort();
    expect(await new FixtureStore(out).metadata('b', 'f/part-0.json')).toEqual({ 'x-amz-iv': 'AAAA' });
    expect(files(out)).toHaveLength(3);
  });

  it('in memory, keeps metadata with its object until the folder is replaced', async () => {
    const staging = new MemoryStaging();
    await staging.write('b', 'f/x', chunks('1'), { 'x-amz-iv': 'AAAA' });
    await staging.commit([{ bucket: 'b', prefix: 'f/' }]);
    expect(staging.metadata.get('b/f/x')).toEqual({ 'x-amz-iv': 'AAAA' });
    await staging.write('b', 'f/x', chunks('2'));
    await staging.abort();
    expect(staging.metadata.get('b/f/x')).toEqual({ 'x-amz-iv': 'AAAA' });
    await staging.write('b', 'f/y', chunks('2'));
    await staging.commit([{ bucket: 'b', prefix: 'f/' }]);
    expect([...staging.objects.keys()]).toEqual(['b/f/y']);
    expect(staging.metadata.size).toBe(0);
  });

  it.each([
    ['an upper-case name', { 'X-Amz-Iv': 'AAAA' }, 'is not a lower-case HTTP header name'],
    ['the x-amz-meta- prefix', { 'x-amz-meta-x-amz-iv': 'AAAA' }, 'must not carry the x-amz-meta- prefix'],
    ['a non-ASCII value', { note: 'café' }, 'is not printable US-ASCII'],
    ['more than 2 KB', { big: 'x'.repeat(2046) }, 'more than S3 allows (2048)'],
  ])('refuses %s, as S3 would, before writing anything', async (_label, metadata, message) => {
    const out = await freshFolder();
    const staging = new DirectoryStaging(out, 'c');
    await expect(staging.write('b', 'f/part-0.json', chunks('{}\n'), metadata)).rejects.toThrow(message);
    await expect(new MemoryStaging().write('b', 'f/part-0.json', chunks('{}\n'), metadata)).rejects.toThrow(message);
    expect(files(out)).toEqual([]);
  });
});
