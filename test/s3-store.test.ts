/**
 * The S3 object store and staging against a real S3 endpoint (moto_server): listing with
 * the fixtures store's rules, reads (bytes, stream, random access), metadata and
 * sidecars, and runs of the shop job and the example job through runJob and through
 * `gluekit run --s3`: outputs replace the sink folders, a failed run uploads nothing,
 * SSE-KMS sinks are written with the key.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import example from '../examples/orders/job.js';
import { analyticsDataKey, ordersFeedKey } from '../examples/orders/keys.js';
import { buildJob, defineJob, s3Source, type JobProps } from '../index.js';
import { decryptObject } from '../local-runner/cse/decrypting-source.js';
import { encryptObject } from '../local-runner/cse/encrypt.js';
import { LocalKeystore } from '../local-runner/cse/keystore.js';
import { runJob } from '../local-runner/executor.js';
import type { ObjectSource } from '../local-runner/formats/format.js';
import { inspectParquet, parquetReader } from '../local-runner/formats/parquet.js';
import { DirectoryStaging, FixtureStore, fileSource } from '../local-runner/stores/fixtures.js';
import { S3Staging, S3Store } from '../local-runner/stores/s3.js';
import { expectRows } from '../local-runner/testing.js';
import { batchRows, type JsonValue } from '../local-runner/values.js';
import shop from './jobs/shop.js';
import { peersAvailable, startMoto, type Moto } from './support/peers.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'cli', 'bin.js');
const shopFixtures = join(root, 'test', 'jobs', 'shop-fixtures');
const exampleFixtures = join(root, 'examples', 'orders', 'fixtures');
const keystore = join(root, 'examples', 'orders', 'keystore.json');
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(prefix: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, prefix));
  made.push(dir);
  return dir;
}

/** Every file below a directory, relative with "/" separators, sorted. */
function filesBelow(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as { isFile(): boolean; name: string; parentPath: string }[])
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** The shop job with one change, as a job file inside the repository (so 'gluekit' resolves). */
function shopVariantFile(change: (source: string) => string): string {
  const file = join(tempDir('.tmp-jobs-', root), 'job.ts');
  writeFileSync(file, change(readFileSync(join(root, 'test', 'jobs', 'shop.ts'), 'utf8')));
  return file;
}

const shopIr = buildJob(shop);
const ansiShopIr = buildJob(defineJob({ ...(shop as JobProps), glueVersion: '6.0' }));

const available = peersAvailable('moto_server');

describe.skipIf(!available)('the S3 store and staging against moto', () => {
  let moto: Moto;
  let client: S3Client;
  const region = 'us-east-1';

  /** A client for moto with this test's explicit settings; runs under the CLI use the environment instead. */
  const motoClient = (extra: S3ClientConfig = {}) =>
    new S3Client({ endpoint: moto.endpoint, region, forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, ...extra });

  beforeAll(async () => {
    moto = await startMoto(region);
    client = motoClient();
  });
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  async function createBucket(bucket: string): Promise<void> {
    await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((e: Error) => {
      if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw e;
    });
  }

  async function put(bucket: string, key: string, body: Uint8Array | string, metadata?: Record<string, string>): Promise<void> {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...(metadata && { Metadata: metadata }) }));
  }

  /**
   * Uploads a fixtures directory (`<dir>/<bucket>/<key>`) as S3 holds it: a fixture's
   * `<file>.metadata.json` becomes the object's user metadata, not an object.
   */
  async function uploadFixtures(dir: string): Promise<void> {
    for (const bucket of readdirSync(dir)) {
      await createBucket(bucket);
      for (const key of filesBelow(join(dir, bucket))) {
        if (key.endsWith('.metadata.json')) continue;
        const path = join(dir, bucket, key);
        const metadata = existsSync(`${path}.metadata.json`) ? (JSON.parse(readFileSync(`${path}.metadata.json`, 'utf8')) as Record<string, string>) : undefined;
        await put(bucket, key, readFileSync(path), metadata);
      }
    }
  }

  async function keysBelow(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token && { ContinuationToken: token }) }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  /** Each object below a folder with its ETag: equal snapshots mean nothing was written or deleted. */
  async function snapshot(bucket: string, prefix: string): Promise<[string, string][]> {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => [o.Key!, o.ETag!]);
  }

  async function getBytes(bucket: string, key: string): Promise<Uint8Array> {
    return (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
  }

  /** A Parquet object's rows as JSON values, read with the object's own schema. */
  async function parquetRows(source: ObjectSource): Promise<{ [column: string]: JsonValue }[]> {
    const { schema } = await inspectParquet(source);
    const rows: { [column: string]: JsonValue }[] = [];
    for await (const batch of parquetReader.read(source, { schema, batchRows: 1024 })) rows.push(...batchRows(batch, schema));
    return rows;
  }

  function gluekit(env: NodeJS.ProcessEnv, ...args: string[]) {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...env, GLUEKIT_DEBUG: '' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** moto's environment with the endpoint given only as AWS_ENDPOINT_URL_S3, as a user of MinIO or LocalStack would set it. */
  const s3Env = () => {
    const { AWS_ENDPOINT_URL: _, ...env } = moto.env;
    return { ...env, AWS_ENDPOINT_URL_S3: moto.endpoint };
  };

  describe('S3Store', () => {
    const tree: Record<string, string> = {
      'data/a.csv': 'a',
      'data/b/c.csv': 'cc',
      'data/_SUCCESS': '',
      'data/.hidden/x.csv': 'x',
      'data/_temporary/0/y.csv': 'y',
      'data/z.csv': 'zzz',
      'data/z.csv.metadata.json': '{}',
      'data/z.csv.instruction': '{}',
      'data-other/d.csv': 'd',
      'single.csv': 'single',
      '_hidden.csv': 'h',
      '_staging/inside.csv': 'i',
    };

    it('lists like the fixtures store: an exact key, or a folder without hidden files, sidecars and folder markers, sorted', async () => {
      const dir = tempDir('gluekit-s3-listing-');
      await createBucket('listing');
      for (const [key, body] of Object.entries(tree)) {
        mkdirSync(dirname(join(dir, 'listing', key)), { recursive: true });
        writeFileSync(join(dir, 'listing', key), body);
        await put('listing', key, body);
      }
      // The console's "Create folder" leaves a zero-byte marker the fixtures store cannot have.
      await put('listing', 'data/', '');
      const s3 = new S3Store(client);
      const files = new FixtureStore(dir);
      for (const prefix of ['data', 'data/', 'data/b', 'single.csv', '_hidden.csv', '_staging/', 'nothing/', 'nothing', '']) {
        expect(await s3.list('listing', prefix), prefix).toEqual(await files.list('listing', prefix));
      }
      expect((await s3.list('listing', 'data')).map((o) => o.key)).toEqual(['data/a.csv', 'data/b/c.csv', 'data/z.csv']);
      expect(await s3.list('listing', 'single.csv')).toEqual([{ key: 'single.csv', size: 6 }]);
      expect(s3.describe('listing', 'data/a.csv')).toBe('s3://listing/data/a.csv');
    });

    it('lists past one page of ListObjectsV2 (1,000 keys)', async () => {
      await createBucket('many');
      const keys = Array.from({ length: 1003 }, (_, i) => `part/${String(i).padStart(5, '0')}.csv`);
      for (let at = 0; at < keys.length; at += 50) await Promise.all(keys.slice(at, at + 50).map((key) => put('many', key, 'x')));
      const listed = await new S3Store(client).list('many', 'part/');
      expect(listed.length).toBe(1003);
      expect(listed.map((o) => o.key)).toEqual(keys);
    });

    it('reads an object whole, as a stream, and with random access (Parquet) through a private temporary copy', async () => {
      await uploadFixtures(exampleFixtures);
      const downloads = tempDir('gluekit-s3-downloads-');
      const store = new S3Store(client, { tempDir: downloads });
      const [customers] = await store.list('acme-curated', 'crm/customers/');
      const local = join(exampleFixtures, 'acme-curated', 'crm', 'customers', 'part-00000.snappy.parquet');
      const source = store.open('acme-curated', customers!);
      expect(source.name).toBe('s3://acme-curated/crm/customers/part-00000.snappy.parquet');
      expect(Buffer.from(await source.bytes()).equals(readFileSync(local))).toBe(true);
      const chunks: Uint8Array[] = [];
      for await (const chunk of source.stream()) chunks.push(chunk);
      expect(Buffer.concat(chunks).equals(readFileSync(local))).toBe(true);
      expect(await parquetRows(source)).toEqual(await parquetRows(fileSource(local, 'local copy', customers!.size)));
      // The copy is private to this user, and gone once the store is closed.
      const [copyDir] = readdirSync(downloads);
      expect(readdirSync(join(downloads, copyDir!)).length).toBe(1);
      expect(readdirSync(join(downloads, copyDir!), { withFileTypes: true }).every((e) => e.isFile())).toBe(true);
      expect(statSync(join(downloads, copyDir!)).mode & 0o777).toBe(0o700);
      expect(statSync(join(downloads, copyDir!, readdirSync(join(downloads, copyDir!))[0]!)).mode & 0o777).toBe(0o600);
      await store.close();
      expect(readdirSync(downloads)).toEqual([]);
    });

    it('refuses to read an object replaced after it was listed', async () => {
      await createBucket('changing');
      await put('changing', 'feed/a.csv', 'one\n');
      const store = new S3Store(client);
      const [object] = await store.list('changing', 'feed/');
      await put('changing', 'feed/a.csv', 'two\n');
      await expect(store.open('changing', object!).bytes()).rejects.toThrow(/^s3:\/\/changing\/feed\/a\.csv: GetObject failed: PreconditionFailed/);
    });

    it('gives user metadata as S3 returns it, and sidecars, or undefined when absent', async () => {
      await uploadFixtures(exampleFixtures);
      const store = new S3Store(client);
      const expected = JSON.parse(readFileSync(join(exampleFixtures, 'acme-payments-feed/orders/2024-01-31.json.metadata.json'), 'utf8'));
      expect(await store.metadata('acme-payments-feed', 'orders/2024-01-31.json')).toEqual(expected);
      expect(await store.metadata('acme-curated', 'crm/customers/part-00000.snappy.parquet')).toBeUndefined();
      await put('acme-payments-feed', 'orders/extra.json.instruction', '{"x-amz-iv":"abc"}');
      expect(new TextDecoder().decode(await store.sidecar('acme-payments-feed', 'orders/extra.json.instruction'))).toBe('{"x-amz-iv":"abc"}');
      expect(await store.sidecar('acme-payments-feed', 'orders/2024-01-31.json.instruction')).toBeUndefined();
    });

    it('names the s3:// URL and what failed, without a stack trace', async () => {
      const store = new S3Store(client);
      await expect(store.list('no-such-bucket', 'x/')).rejects.toThrow(/^s3:\/\/no-such-bucket\/x\/: ListObjectsV2 failed: NoSuchBucket/);
      await expect(store.sidecar('no-such-bucket', 'x.instruction')).rejects.toThrow(/^s3:\/\/no-such-bucket\/x\.instruction: GetObject failed: NoSuchBucket/);
      await expect(store.metadata('listing', 'data/gone.csv')).rejects.toThrow(/^s3:\/\/listing\/data\/gone\.csv: HeadObject failed: NotFound \(HTTP 404\)$/);
      const closed = await closedPort();
      const unreachable = new S3Client({ endpoint: `http://127.0.0.1:${closed}`, region, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      try {
        await expect(new S3Store(unreachable).list('listing', 'data/')).rejects.toThrow(/^s3:\/\/listing\/data\/: ListObjectsV2 failed: cannot reach the S3 endpoint \(ECONNREFUSED/);
      } finally {
        unreachable.destroy();
      }
    });
  });

  describe('S3Staging', () => {
    it('uploads at commit, replaces each folder exactly, leaves other folders alone, and writes SSE-KMS folders with the key', async () => {
      await createBucket('staged');
      await put('staged', 'plain/old.csv', 'old');
      await put('staged', 'plain/_SUCCESS', '');
      await put('staged', 'plain/kept.csv', 'will be overwritten');
      await put('staged', 'plain-sibling/untouched.csv', 'untouched');
      await put('staged', 'other/untouched.csv', 'untouched');
      const local = tempDir('gluekit-s3-staging-');
      const staging = new S3Staging(client, { tempDir: local, partSize: 5 << 20 });
      const big = randomBytes(6 << 20); // more than one part: a multipart upload
      const chunks = async function* (...parts: Uint8Array[]) {
        yield* parts;
      };
      expect(await staging.write('staged', 'plain/kept.csv', chunks(Buffer.from('new')))).toBe(3);
      // A key written again replaces what was staged for it.
      await staging.write('staged', 'plain/p=1/new.csv', chunks(Buffer.from('first')));
      await staging.write('staged', 'plain/p=1/new.csv', chunks(Buffer.from('a'), Buffer.from('b')));
      await staging.write('staged', 'secret/small.parquet', chunks(Buffer.from('small')));
      await staging.write('staged', 'secret/big.parquet', chunks(big.subarray(0, 1 << 20), big.subarray(1 << 20)));
      // Nothing reaches S3 before commit.
      expect(await keysBelow('staged', 'secret/')).toEqual([]);
      expect(new TextDecoder().decode(await getBytes('staged', 'plain/kept.csv'))).toBe('will be overwritten');
      expect(staging.describe('staged', 'plain/kept.csv')).toBe('s3://staged/plain/kept.csv');

      await staging.commit([
        { bucket: 'staged', prefix: 'plain/' },
        { bucket: 'staged', prefix: 'secret/', serverSideEncryption: { algorithm: 'aws:kms', kmsKeyId: analyticsDataKey } },
      ]);
      expect(await keysBelow('staged', 'plain')).toEqual(['plain-sibling/untouched.csv', 'plain/kept.csv', 'plain/p=1/new.csv']);
      expect(await keysBelow('staged', 'other/')).toEqual(['other/untouched.csv']);
      expect(new TextDecoder().decode(await getBytes('staged', 'plain/p=1/new.csv'))).toBe('ab');
      expect(Buffer.from(await getBytes('staged', 'secret/big.parquet')).equals(big)).toBe(true);
      for (const key of ['secret/small.parquet', 'secret/big.parquet']) {
        const head = await client.send(new HeadObjectCommand({ Bucket: 'staged', Key: key }));
        expect(head.ServerSideEncryption, key).toBe('aws:kms');
        expect(head.SSEKMSKeyId, key).toBe(analyticsDataKey);
      }
      const plain = await client.send(new HeadObjectCommand({ Bucket: 'staged', Key: 'plain/kept.csv' }));
      expect(plain.ServerSideEncryption).not.toBe('aws:kms');
      expect(readdirSync(local)).toEqual([]);
    });

    it('empties a folder whose sink wrote no objects', async () => {
      await createBucket('staged');
      await put('staged', 'empty/old.csv', 'old');
      await new S3Staging(client).commit([{ bucket: 'staged', prefix: 'empty/' }]);
      expect(await keysBelow('staged', 'empty/')).toEqual([]);
    });

    it('abort() uploads nothing and removes the local staging', async () => {
      await createBucket('staged');
      const local = tempDir('gluekit-s3-staging-');
      const staging = new S3Staging(client, { tempDir: local });
      await staging.write('staged', 'aborted/a.csv', (async function* () {
        yield Buffer.from('a');
      })());
      expect(readdirSync(local).length).toBe(1);
      await staging.abort();
      expect(readdirSync(local)).toEqual([]);
      expect(await keysBelow('staged', 'aborted/')).toEqual([]);
    });

    it('uploads each object with its user metadata (a CSE sink\'s envelope)', async () => {
      await createBucket('staged');
      const staging = new S3Staging(client);
      const envelope = { 'x-amz-key-v2': 'AQID', 'x-amz-iv': 'BAUG', 'x-amz-cek-alg': 'AES/GCM/NoPadding', 'x-amz-wrap-alg': 'kms+context' };
      const one = async function* () {
        yield Buffer.from('x');
      };
      await staging.write('staged', 'meta/with.json', one(), envelope);
      await staging.write('staged', 'meta/without.json', one(), {});
      await expect(staging.write('staged', 'meta/bad.json', one(), { 'X-Upper': 'v' })).rejects.toThrow('s3://staged/meta/bad.json: metadata name "X-Upper" is not a lower-case HTTP header name');
      await staging.commit([{ bucket: 'staged', prefix: 'meta/' }]);
      expect((await client.send(new HeadObjectCommand({ Bucket: 'staged', Key: 'meta/with.json' }))).Metadata).toEqual(envelope);
      expect((await client.send(new HeadObjectCommand({ Bucket: 'staged', Key: 'meta/without.json' }))).Metadata ?? {}).toEqual({});
      const store = new S3Store(client);
      expect(await store.metadata('staged', 'meta/with.json')).toEqual(envelope);
      expect(await store.metadata('staged', 'meta/without.json')).toBeUndefined();
    });

    it('says plainly when a failure during the uploads may have left a folder partly replaced, and deletes nothing then', async () => {
      await createBucket('staged');
      await put('staged', 'half/old.csv', 'old');
      // The network failing in the middle of a commit: the second upload never reaches S3.
      const flaky = motoClient();
      flaky.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'PutObjectCommand' && (args.input as { Key?: string }).Key === 'half/b.csv') {
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          }
          return next(args);
        },
        { step: 'initialize', name: 'dropOneUpload' },
      );
      const local = tempDir('gluekit-s3-staging-');
      const staging = new S3Staging(flaky, { tempDir: local });
      const one = async function* () {
        yield Buffer.from('x');
      };
      await staging.write('staged', 'half/a.csv', one());
      await staging.write('staged', 'half/b.csv', one());
      const error = await staging.commit([{ bucket: 'staged', prefix: 'half/' }]).then(() => undefined, (e: Error) => e);
      await staging.abort(); // as the runner does after a failed commit
      flaky.destroy();
      expect(error?.message).toBe(
        's3://staged/half/b.csv: upload failed: cannot reach the S3 endpoint (ECONNRESET: socket hang up); 1 of 2 new objects had been uploaded, ' +
          'so s3://staged/half/ may hold a mix of old and new objects (S3 has no transactions): run the job again',
      );
      expect(await keysBelow('staged', 'half/')).toEqual(['half/a.csv', 'half/old.csv']);
      expect(readdirSync(local)).toEqual([]);
    });

    it('fails the commit before uploading anything when a folder cannot be listed', async () => {
      await createBucket('staged');
      await put('staged', 'unlisted/old.csv', 'old');
      const staging = new S3Staging(client);
      const one = async function* () {
        yield Buffer.from('x');
      };
      await staging.write('staged', 'unlisted/new.csv', one());
      await staging.write('no-such-bucket-for-commit', 'out/new.csv', one());
      const error = await staging
        .commit([
          { bucket: 'staged', prefix: 'unlisted/' },
          { bucket: 'no-such-bucket-for-commit', prefix: 'out/' },
        ])
        .then(() => undefined, (e: Error) => e);
      await staging.abort(); // as the runner does after a failed commit
      // The listing of the missing bucket fails before anything is uploaded: nothing changed.
      expect(error?.message).toMatch(/^s3:\/\/no-such-bucket-for-commit\/out\/: ListObjectsV2 failed: NoSuchBucket/);
      expect(await keysBelow('staged', 'unlisted/')).toEqual(['unlisted/old.csv']);
    });
  });

  describe('the shop job through runJob', () => {
    const PARTITIONS = ['paid/order_date=2024-01-31/part-00000.snappy.parquet', 'paid/order_date=2024-02-01/part-00000.snappy.parquet'];

    it('reads the fixtures from S3 and writes the same rows as a fixtures-directory run', async () => {
      await uploadFixtures(shopFixtures);
      await createBucket('shop-curated');
      const downloads = tempDir('gluekit-s3-downloads-');
      const local = tempDir('gluekit-s3-staging-');
      const store = new S3Store(client, { tempDir: downloads });
      const result = await runJob(shopIr, { store, staging: new S3Staging(client, { tempDir: local }) }).finally(() => store.close());
      expect(result.sinks[0]).toMatchObject({ bucket: 'shop-curated', prefix: 'paid/', location: 's3://shop-curated/paid/', rows: 4 });
      expect(result.sinks[0]!.files.map((f) => f.location)).toEqual(PARTITIONS.map((k) => `s3://shop-curated/${k}`));
      expect(await keysBelow('shop-curated', '')).toEqual(PARTITIONS);
      expect(readdirSync(downloads)).toEqual([]);
      expect(readdirSync(local)).toEqual([]);

      const out = tempDir('gluekit-run-');
      await runJob(shopIr, { store: new FixtureStore(shopFixtures), staging: new DirectoryStaging(out, 'ref') });
      const reader = new S3Store(client);
      for (const key of PARTITIONS) {
        const [object] = await reader.list('shop-curated', key);
        const fromS3 = await parquetRows(reader.open('shop-curated', object!));
        expect(fromS3, key).toEqual(await parquetRows(fileSource(join(out, 'shop-curated', key), key, object!.size)));
      }
      const [first] = await reader.list('shop-curated', PARTITIONS[0]!);
      expect(await parquetRows(reader.open('shop-curated', first!))).toEqual([{ store: 'DE-1', order_id: '1', amount: '12.50', city: 'Berlin' }]);
      await reader.close();
    });

    it('replaces the folder on a second run: objects the run did not write are deleted', async () => {
      await put('shop-curated', 'paid/order_date=2023-12-31/part-00000.snappy.parquet', 'stale');
      await put('shop-curated', 'paid/_SUCCESS', '');
      await put('shop-curated', 'unrelated/keep.csv', 'keep');
      const store = new S3Store(client);
      await runJob(shopIr, { store, staging: new S3Staging(client) }).finally(() => store.close());
      expect(await keysBelow('shop-curated', '')).toEqual([...PARTITIONS, 'unrelated/keep.csv']);
    });

    it('uploads nothing when the run fails (Glue 6.0, ANSI), and leaves the previous objects', async () => {
      const before = await snapshot('shop-curated', '');
      const local = tempDir('gluekit-s3-staging-');
      const store = new S3Store(client);
      const error = await runJob(ansiShopIr, { store, staging: new S3Staging(client, { tempDir: local }) })
        .finally(() => store.close())
        .then(() => undefined, (e: Error) => e);
      expect(error?.message).toMatch(/^node "orders": .*\[CAST_INVALID_INPUT\]/);
      expect(error?.message).toContain('not-a-number');
      expect(await snapshot('shop-curated', '')).toEqual(before);
      expect(readdirSync(local)).toEqual([]);
    });

    it('fails naming the missing source folder as an s3:// URL', async () => {
      const stores = s3Source({ path: 's3://shop-raw/no-such-folder/', format: 'json', schema: { store: 'string', city: 'string' } });
      const broken = buildJob(defineJob({ ...(shop as JobProps), sources: { ...shop.sources, stores } }));
      const store = new S3Store(client);
      await expect(runJob(broken, { store, staging: new S3Staging(client) })).rejects.toThrow(
        'node "stores": no data objects at s3://shop-raw/no-such-folder/ (looked in s3://shop-raw/no-such-folder/)',
      );
    });
  });

  describe('gluekit run --s3', () => {
    it('runs the shop job on the endpoint of AWS_ENDPOINT_URL_S3 and writes run-report.json to --out', async () => {
      await uploadFixtures(shopFixtures);
      await createBucket('shop-curated');
      await put('shop-curated', 'paid/order_date=2023-12-31/part-00000.snappy.parquet', 'stale');
      const out = tempDir('gluekit-run-');
      const r = gluekit(s3Env(), 'run', 'test/jobs/shop.ts', '--s3', '--out', out);
      expect(r.stderr).not.toContain('Error');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('out: 4 rows, 2 files in 2 partitions -> s3://shop-curated/paid/');
      expect(filesBelow(out)).toEqual(['run-report.json']);
      const report = JSON.parse(readFileSync(join(out, 'run-report.json'), 'utf8'));
      expect(report.sinks[0]).toMatchObject({ id: 'out', path: 's3://shop-curated/paid/', location: 's3://shop-curated/paid/', rows: 4 });
      expect(await keysBelow('shop-curated', 'paid/')).toEqual([
        'paid/order_date=2024-01-31/part-00000.snappy.parquet',
        'paid/order_date=2024-02-01/part-00000.snappy.parquet',
      ]);
    });

    it('fails under ANSI with one line, and leaves the objects as they were', async () => {
      const before = await snapshot('shop-curated', '');
      const ansi = shopVariantFile((s) => s.replace("glueVersion: '5.0'", "glueVersion: '6.0'"));
      const r = gluekit(s3Env(), 'run', ansi, '--s3', '--out', tempDir('gluekit-run-'));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('node "orders"');
      expect(r.stderr).toContain('[CAST_INVALID_INPUT]');
      expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(await snapshot('shop-curated', '')).toEqual(before);
    });

    it('reports an unreachable endpoint in one line naming the s3:// URL', async () => {
      const closed = await closedPort();
      const r = gluekit({ ...s3Env(), AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${closed}`, AWS_MAX_ATTEMPTS: '1' }, 'run', 'test/jobs/shop.ts', '--s3', '--out', tempDir('gluekit-run-'));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^gluekit: node "(orders|stores)": s3:\/\/shop-raw\/(orders|stores)\/: ListObjectsV2 failed: cannot reach the S3 endpoint \(ECONNREFUSED/);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('gluekit:')).length).toBe(1);
      expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    });

    it('refuses --s3 together with --fixtures', () => {
      const r = gluekit(s3Env(), 'run', 'test/jobs/shop.ts', '--s3', '--fixtures', shopFixtures);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--s3 reads sources from S3; leave out --fixtures');
    });
  });

  describe('the example job: CSE-KMS sources from S3 metadata and instruction files, an SSE-KMS sink', () => {
    const REVENUE = [
      { order_date: '2024-01-31', country: 'DE', segment: 'consumer', revenue: '25.00', orders: 2, customers: 1 },
      { order_date: '2024-01-31', country: 'DE', segment: 'enterprise', revenue: '1250.00', orders: 1, customers: 1 },
      { order_date: '2024-01-31', country: 'FR', segment: 'smb', revenue: '310.75', orders: 1, customers: 1 },
      { order_date: '2024-02-01', country: 'NL', segment: 'smb', revenue: '640.40', orders: 1, customers: 1 },
      { order_date: '2024-02-01', country: 'FR', segment: 'enterprise', revenue: '2999.99', orders: 1, customers: 1 },
      { order_date: '2024-02-01', country: 'FR', segment: 'consumer', revenue: '42.42', orders: 1, customers: 1 },
    ];
    const exampleIr = buildJob(example);

    it('decrypts the orders feed with the envelope in the object metadata or in an instruction file', async () => {
      await uploadFixtures(exampleFixtures);
      await createBucket('acme-analytics');
      const keys = await LocalKeystore.open(keystore);
      // One day's object again, with its envelope in `<key>.instruction` (V3 keeps a few entries in the metadata).
      const fixture = join(exampleFixtures, 'acme-payments-feed', 'orders', '2024-02-01.json');
      const metadata = JSON.parse(readFileSync(`${fixture}.metadata.json`, 'utf8'));
      const plaintext = await (await decryptObject(fileSource(fixture, fixture, readFileSync(fixture).length), metadata, { keys })).bytes();
      const encrypted = await encryptObject(plaintext, { keys, keyId: ordersFeedKey, context: { feed: 'orders' }, instructionFile: true, committing: true });
      await put('acme-payments-feed', 'orders/2024-02-01.json', encrypted.body, encrypted.metadata);
      await put('acme-payments-feed', 'orders/2024-02-01.json.instruction', encrypted.instruction!);

      const store = new S3Store(client);
      const result = await runJob(exampleIr, { store, staging: new S3Staging(client), keys, collect: true }).finally(() => store.close());
      await expectRows(result.outputs.get('revenue_out'), REVENUE);
      expect(result.nodes.find((n) => n.id === 'orders')?.rowsOut).toBe(14);
      expect(await keysBelow('acme-analytics', '')).toEqual([
        'daily_revenue/order_date=2024-01-31/part-00000.snappy.parquet',
        'daily_revenue/order_date=2024-02-01/part-00000.snappy.parquet',
      ]);
    });

    it('runs through gluekit run --s3 with the keystore', async () => {
      const out = tempDir('gluekit-run-');
      const r = gluekit(s3Env(), 'run', 'examples/orders/job.ts', '--s3', '--keystore', keystore, '--out', out);
      expect(r.stderr).not.toContain('gluekit:');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('revenue_out: 6 rows, 2 files in 2 partitions -> s3://acme-analytics/daily_revenue/');
      expect(filesBelow(out)).toEqual(['run-report.json']);
    });

    // Expected to fail until the executor passes each sink's SSE-KMS key to
    // OutputStaging.commit (the sink's own key, else the job's security.s3 key): S3Staging
    // honours it (see the S3Staging test above), the runner does not pass it yet. The
    // objects checked are those the CLI run above wrote. Turn into it() then.
    it("wrote the sink with the job's SSE-KMS key (ServerSideEncryption aws:kms, SSEKMSKeyId)", async () => {
      const written = await keysBelow('acme-analytics', 'daily_revenue/');
      for (const key of written) {
        const head = await client.send(new HeadObjectCommand({ Bucket: 'acme-analytics', Key: key }));
        expect({ key, sse: head.ServerSideEncryption, keyId: head.SSEKMSKeyId }).toEqual({ key, sse: 'aws:kms', keyId: analyticsDataKey });
      }
    });
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
