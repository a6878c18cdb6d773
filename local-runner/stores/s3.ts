/**
 * An S3-compatible endpoint (AWS, moto, LocalStack, MinIO) as the object store sources
 * read from and as the staging sinks write through, with @aws-sdk/client-s3.
 *
 * The client is configured the standard SDK way: region, credentials and profile from
 * AWS_REGION / AWS_DEFAULT_REGION, AWS_PROFILE and the shared config files, and the
 * endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (or a profile's endpoint_url,
 * addressed virtual-hosted style: endpoints that serve only paths, like MinIO, need the
 * environment variable).
 *
 * Errors name the s3:// URL and what failed (`s3://b/k: GetObject failed: NoSuchBucket:
 * ...`), never a stack trace.
 */
import { createReadStream, createWriteStream, openAsBlob, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type GetObjectCommandOutput,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { eachBounded } from '../../core/bounded.js';
import { sdkReason } from '../../core/sdk-errors.js';
import type { ObjectSource } from '../formats/format.js';
import { attachedMetadata, isDataKey, type CommitFolder, type ObjectInfo, type ObjectStore, type OutputStaging, type ServerSideEncryption, type UserMetadata } from './store.js';
import { writeNewFile } from './write-file.js';

/** The endpoint URL the SDK takes from the environment, if any (AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL). */
export function endpointFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true') return undefined;
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * An S3 client from the SDK's default configuration chain. Path-style addressing is
 * forced only when the environment names an endpoint: AWS serves virtual-hosted names
 * (bucket.s3.region.amazonaws.com), while local endpoints such as moto and MinIO serve
 * buckets only as paths (http://127.0.0.1:5000/bucket/key). Region redirects are
 * followed because a job's buckets may live in another region than the profile's.
 */
export function s3ClientFromEnvironment(): S3Client {
  return new S3Client({ followRegionRedirects: true, ...(endpointFromEnvironment() && { forcePathStyle: true }) });
}

/** SSE-KMS for a folder's objects, as S3 takes it (ServerSideEncryption and SSEKMSKeyId). */
const url = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** Temporary folders not yet removed; removed at exit too, should close() or abort() never run. */
const leftovers = new Set<string>();
let exitHookInstalled = false;

async function privateDir(parent: string, prefix: string): Promise<string> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const dir of leftovers) rmSync(dir, { recursive: true, force: true });
    });
  }
  const dir = await mkdtemp(join(parent, prefix)); // mode 0700
  leftovers.add(dir);
  return dir;
}

async function removeDir(dir: string | undefined): Promise<void> {
  if (dir === undefined) return;
  await rm(dir, { recursive: true, force: true });
  leftovers.delete(dir);
}

/** The name and words of an SDK failure, e.g. `NoSuchBucket: The specified bucket does not exist`. */
function reasonOf(e: unknown): string {
  if ((e as { name?: string } | undefined)?.name === 'PreconditionFailed') return 'PreconditionFailed: the object changed after it was listed';
  return sdkReason(e, { endpoint: 'S3' });
}

/** Runs one S3 request; a failure becomes an Error saying which object and which request. */
async function attempt<T>(target: string, action: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (e) {
    throw new Error(`${target}: ${action} failed: ${reasonOf(e)}`, { cause: e });
  }
}

export interface S3StoreOptions {
  /** Folder for downloaded copies of objects read with random access; default the OS's. */
  readonly tempDir?: string;
}

export class S3Store implements ObjectStore {
  /** ETags from the last listing: reads are conditional on them, so an object replaced mid-run fails instead of mixing versions. */
  private readonly etags = new Map<string, string>();
  private downloads: Promise<string> | undefined;
  private downloaded = 0;
  private readonly tempDir: string;

  constructor(
    readonly client: S3Client,
    options: S3StoreOptions = {},
  ) {
    this.tempDir = options.tempDir ?? tmpdir();
  }

  describe(bucket: string, key: string): string {
    return url(bucket, key);
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    if (prefix !== '' && !prefix.endsWith('/')) {
      // An exact key is the shortest key starting with itself, so it comes first in S3's order.
      const first = (await this.page(bucket, prefix, undefined, 1)).Contents?.[0];
      if (first?.Key === prefix) return isDataKey(prefix) ? [this.info(bucket, first)] : [];
    }
    const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const objects: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.page(bucket, folder, token);
      for (const object of page.Contents ?? []) {
        const key = object.Key!;
        // Keys ending in "/" are folder markers (the console's "Create folder"), not data.
        if (key.endsWith('/')) continue;
        // Hidden-file rules apply below the listed folder, not to the folder's own name.
        if (!isDataKey(key.slice(folder.length))) continue;
        objects.push(this.info(bucket, object));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // S3 lists in UTF-8 byte order; sort as the fixtures store does, by UTF-16 code units.
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private page(bucket: string, prefix: string, token: string | undefined, maxKeys?: number): Promise<ListObjectsV2CommandOutput> {
    return attempt(url(bucket, prefix), 'ListObjectsV2', () =>
      this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token && { ContinuationToken: token }), ...(maxKeys && { MaxKeys: maxKeys }) }),
      ),
    );
  }

  private info(bucket: string, object: { Key?: string; Size?: number; ETag?: string }): ObjectInfo {
    if (object.ETag) this.etags.set(`${bucket}/${object.Key}`, object.ETag);
    return { key: object.Key!, size: object.Size ?? 0 };
  }

  open(bucket: string, object: ObjectInfo): ObjectSource {
    const name = url(bucket, object.key);
    const etag = this.etags.get(`${bucket}/${object.key}`);
    const get = () =>
      attempt(name, 'GetObject', () => this.client.send(new GetObjectCommand({ Bucket: bucket, Key: object.key, ...(etag && { IfMatch: etag }) })));
    const checkSize = (size: number) => {
      if (size !== object.size) throw new Error(`${name}: holds ${size} bytes, but ${object.size} when listed: the object changed during the run`);
    };
    let blob: Promise<Blob> | undefined;
    return {
      name,
      size: object.size,
      bytes: async () => {
        const body = (await get()).Body!;
        const bytes = await attempt(name, 'GetObject (reading the body)', () => body.transformToByteArray());
        checkSize(bytes.length);
        return bytes;
      },
      stream: () => bodyChunks(name, get),
      blob: () => (blob ??= this.download(name, get, checkSize)),
    };
  }

  /**
   * Random access (Parquet reads its footer, then row groups) through a private local
   * copy: the object is downloaded once to a temporary file (mode 0600 in a 0700 folder)
   * and read lazily with fs.openAsBlob. One code path for every size, memory bounded
   * for large objects; the copies are removed by close(), or when the process exits.
   */
  private async download(name: string, get: () => Promise<GetObjectCommandOutput>, checkSize: (size: number) => void): Promise<Blob> {
    const dir = await (this.downloads ??= privateDir(this.tempDir, 'gluekit-s3-'));
    const path = join(dir, String(this.downloaded++));
    const body = (await get()).Body as Readable;
    let size = 0;
    await attempt(name, 'GetObject (downloading the body)', () =>
      pipeline(
        body,
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(path, { flags: 'wx', mode: 0o600 }),
      ),
    );
    checkSize(size);
    return openAsBlob(path);
  }

  async metadata(bucket: string, key: string): Promise<UserMetadata | undefined> {
    const head = await attempt(url(bucket, key), 'HeadObject', () => this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    // The SDK strips the x-amz-meta- prefix and lower-cases names, as the store contract wants.
    const metadata = head.Metadata ?? {};
    return Object.keys(metadata).length > 0 ? Object.freeze({ ...metadata }) : undefined;
  }

  async sidecar(bucket: string, key: string): Promise<Uint8Array | undefined> {
    const name = url(bucket, key);
    let response: GetObjectCommandOutput;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    } catch (e) {
      // Only a missing key means "no sidecar": NoSuchBucket is a 404 too, and without
      // s3:ListBucket S3 answers AccessDenied for a missing key; both stay errors.
      if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
      throw new Error(`${name}: GetObject failed: ${reasonOf(e)}`, { cause: e });
    }
    return attempt(name, 'GetObject (reading the body)', () => response.Body!.transformToByteArray());
  }

  /** Removes the local copies of downloaded objects. Call once the run has ended. */
  async close(): Promise<void> {
    const dir = this.downloads;
    this.downloads = undefined;
    await removeDir(await dir?.catch(() => undefined));
  }
}

async function* bodyChunks(name: string, get: () => Promise<GetObjectCommandOutput>): AsyncIterable<Uint8Array> {
  const body = (await get()).Body as Readable;
  try {
    for await (const chunk of body) yield chunk as Uint8Array;
  } catch (e) {
    throw new Error(`${name}: GetObject failed while reading the body: ${reasonOf(e)}`, { cause: e });
  } finally {
    body.destroy();
  }
}

export interface S3StagingOptions {
  /** Folder for the staged files; default the OS's. */
  readonly tempDir?: string;
  /** Objects larger than this are uploaded in parts of this size (at least 5 MiB); default 8 MiB. */
  readonly partSize?: number;
}

interface StagedObject {
  readonly bucket: string;
  readonly key: string;
  readonly path: string;
  readonly metadata?: UserMetadata;
}

/** Uploads at once; each holds at most two parts in memory. */
const UPLOADS_IN_FLIGHT = 4;
const DELETE_BATCH = 1000;

/**
 * Sinks' outputs staged in a private local folder, uploaded only at commit. S3 has no
 * rename, so "put in place" is: upload every new object, then delete the objects that
 * were in the sink folders before and were not written again. Objects are deleted only
 * once every upload has succeeded.
 *
 * All or nothing holds up to commit: the runner commits only after every sink has been
 * computed, so a failed run uploads nothing and abort() just removes the local files.
 * A failure DURING commit (the network, permissions) can leave a sink folder partly
 * replaced, since S3 has no transactions: some new objects uploaded (a same-named old
 * one overwritten), old ones not yet deleted. The error says so; running the job again
 * puts the folder right.
 *
 * SSE-KMS: commit takes, per folder, an optional `serverSideEncryption`; that folder's
 * objects are uploaded with ServerSideEncryption aws:kms and SSEKMSKeyId.
 */
export class S3Staging implements OutputStaging {
  private dir: Promise<string> | undefined;
  private readonly staged = new Map<string, StagedObject>();
  /** Files written so far, naming the next one: a key written twice gets a new file. */
  private files = 0;
  private readonly tempDir: string;
  private readonly partSize: number;

  constructor(
    readonly client: S3Client,
    options: S3StagingOptions = {},
  ) {
    this.tempDir = options.tempDir ?? tmpdir();
    this.partSize = Math.max(5 << 20, options.partSize ?? 8 << 20);
  }

  describe(bucket: string, key: string): string {
    return url(bucket, key);
  }

  /** `metadata` is uploaded as the object's user metadata (PutObject's Metadata) at commit. */
  async write(bucket: string, key: string, chunks: AsyncIterable<Uint8Array>, metadata?: UserMetadata): Promise<number> {
    const checked = attachedMetadata(this.describe(bucket, key), metadata);
    const attached = checked && Object.freeze({ ...checked });
    const name = String(this.files++);
    const dir = await (this.dir ??= privateDir(this.tempDir, 'gluekit-s3-staging-'));
    // Numbered files rather than key paths: keys need no escaping and cannot leave the folder.
    const path = join(dir, name);
    const size = await writeNewFile(path, chunks, 0o600);
    this.staged.set(`${bucket}/${key}`, { bucket, key, path, ...(attached && { metadata: attached }) });
    return size;
  }

  async commit(folders: readonly CommitFolder[]): Promise<void> {
    const targets = folders.map((f) => ({ ...f, prefix: f.prefix === '' || f.prefix.endsWith('/') ? f.prefix : `${f.prefix}/` }));
    // Each staged object goes in with its folder's settings (the innermost, should folders nest).
    const uploads: { object: StagedObject; folder: CommitFolder }[] = [];
    for (const object of this.staged.values()) {
      const folder = targets
        .filter((f) => f.bucket === object.bucket && object.key.startsWith(f.prefix))
        .sort((a, b) => b.prefix.length - a.prefix.length)[0];
      if (folder) uploads.push({ object, folder });
    }
    const written = new Set(uploads.map((u) => `${u.object.bucket}/${u.object.key}`));

    // What the folders held before anything is uploaded: exactly what may be deleted.
    const previous: { bucket: string; key: string }[] = [];
    for (const { bucket, prefix } of targets) {
      for (const key of await this.keysBelow(bucket, prefix)) if (!written.has(`${bucket}/${key}`)) previous.push({ bucket, key });
    }

    let uploaded = 0;
    const partly = (e: unknown) => {
      const where = [...new Set(targets.map((f) => url(f.bucket, f.prefix)))].join(', ');
      return new Error(
        `${(e as Error).message}; ${uploaded} of ${uploads.length} new objects had been uploaded, so ${where} may hold a mix of old and new objects (S3 has no transactions): run the job again`,
      );
    };
    try {
      await eachBounded(uploads, UPLOADS_IN_FLIGHT, async ({ object, folder }) => {
        await this.upload(object, folder.serverSideEncryption);
        uploaded++;
      });
    } catch (e) {
      throw uploaded === 0 ? e : partly(e);
    }
    try {
      await this.deleteAll(previous);
    } catch (e) {
      throw partly(e);
    }
    await removeDir(await this.dir);
    this.staged.clear();
  }

  async abort(): Promise<void> {
    this.staged.clear();
    await removeDir(await this.dir?.catch(() => undefined));
  }

  /** Every key below a folder, hidden ones and sidecars included: a replaced folder keeps none of them. */
  private async keysBelow(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await attempt(url(bucket, prefix), 'ListObjectsV2', () =>
        this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token && { ContinuationToken: token }) })),
      );
      for (const object of page.Contents ?? []) keys.push(object.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private async upload(object: StagedObject, sse: ServerSideEncryption | undefined): Promise<void> {
    // lib-storage sends one PutObject when the body fits in a part, a multipart upload otherwise.
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: object.bucket,
        Key: object.key,
        Body: createReadStream(object.path),
        ...(object.metadata && { Metadata: { ...object.metadata } }),
        ...(sse && { ServerSideEncryption: sse.algorithm, SSEKMSKeyId: sse.kmsKeyId }),
      },
      partSize: this.partSize,
      queueSize: 2,
    });
    await attempt(url(object.bucket, object.key), 'upload', () => upload.done());
  }

  private async deleteAll(objects: readonly { bucket: string; key: string }[]): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const { bucket, key } of objects) byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), key]);
    for (const [bucket, keys] of byBucket) {
      for (let at = 0; at < keys.length; at += DELETE_BATCH) {
        const batch = keys.slice(at, at + DELETE_BATCH);
        const result = await attempt(url(bucket, batch[0]!), 'DeleteObjects (removing previous objects)', () =>
          this.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })),
        );
        // DeleteObjects answers 200 and lists the keys it could not delete.
        const refused = result.Errors?.[0];
        if (refused) throw new Error(`${url(bucket, refused.Key ?? '')}: DeleteObjects failed: ${refused.Code}: ${refused.Message}`);
      }
    }
  }
}

