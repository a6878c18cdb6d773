/**
 * A fixtures directory as an object store, and an output directory as staging.
 * `s3://bucket/prefix/file` maps to `<root>/bucket/prefix/file`; object metadata, when
 * an object has any, sits beside it in `<file>.metadata.json`.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ObjectSource, RangeReader } from '../formats/format.js';
import { writeNewFile } from './write-file.js';
import { attachedMetadata, isDataKey, type CommitFolder, type ObjectInfo, type ObjectStore, type OutputStaging, type UserMetadata } from './store.js';

/** A path as messages show it: relative to the working directory when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/** Resolves bucket/key under root, refusing keys that would leave it (`..`). */
function pathOf(root: string, bucket: string, key: string): string {
  const path = resolve(root, bucket, ...key.split('/').filter(Boolean));
  const base = resolve(root, bucket);
  if (path !== base && !path.startsWith(base + sep)) throw new Error(`s3://${bucket}/${key} leaves the fixtures directory`);
  return path;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
    throw e;
  });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

export class FixtureStore implements ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  describe(bucket: string, key: string): string {
    return displayPath(pathOf(this.root, bucket, key));
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    const exact = prefix !== '' && !prefix.endsWith('/') ? await stat(pathOf(this.root, bucket, prefix)).catch(() => undefined) : undefined;
    if (exact?.isFile()) return isDataKey(prefix) ? [{ key: prefix, size: exact.size }] : [];
    const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const base = resolve(this.root, bucket);
    const objects: ObjectInfo[] = [];
    for (const file of await walk(pathOf(this.root, bucket, folder))) {
      const key = relative(base, file).split(sep).join('/');
      // Hidden-file rules apply below the listed folder, not to the folder's own name.
      if (!isDataKey(key.slice(folder.length))) continue;
      objects.push({ key, size: (await stat(file)).size });
    }
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  open(bucket: string, object: ObjectInfo): ObjectSource {
    return fileSource(pathOf(this.root, bucket, object.key), this.describe(bucket, object.key), object.size);
  }

  async sidecar(bucket: string, key: string): Promise<Uint8Array | undefined> {
    return readFile(pathOf(this.root, bucket, key)).then(
      (bytes) => new Uint8Array(bytes),
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      },
    );
  }

  async metadata(bucket: string, key: string): Promise<UserMetadata | undefined> {
    return readMetadataFile(`${pathOf(this.root, bucket, key)}.metadata.json`, `${this.describe(bucket, key)}.metadata.json`);
  }
}

/**
 * A fixture's user metadata from its `<file>.metadata.json` (`path`; `name` is how
 * messages show it), or undefined when there is none.
 */
export async function readMetadataFile(path: string, name: string): Promise<UserMetadata | undefined> {
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name}: not valid JSON (${(e as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string'))
    throw new Error(`${name}: expected an object of string values`);
  return Object.freeze(parsed as Record<string, string>);
}

/** The text of a `<file>.metadata.json`, as fixtures and staged outputs hold it. */
export function metadataFileText(metadata: UserMetadata): string {
  return `${JSON.stringify(metadata, null, 2)}\n`;
}

/** A local file as an ObjectSource named `name`. */
export function fileSource(path: string, name: string, size: number): ObjectSource {
  return {
    name,
    size,
    bytes: async () => new Uint8Array(await readFile(path)),
    blob: () => openAsBlob(path),
    ranges: () => fileRanges(path, name),
    stream: () => createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>,
  };
}

/** A file opened once for positional reads of byte ranges. */
async function fileRanges(path: string, name: string): Promise<RangeReader> {
  const file = await open(path, 'r');
  return {
    async read(from, to, into) {
      const out = into ? into.subarray(0, to - from) : new Uint8Array(to - from);
      for (let done = 0; done < out.length; ) {
        const { bytesRead } = await file.read(out, done, out.length - done, from + done);
        // The size was listed before the read: a file that shrank since is not what was listed.
        if (bytesRead === 0) throw new Error(`${name}: the file ends at byte ${from + done}, before byte ${to} (did it change during the run?)`);
        done += bytesRead;
      }
      return out;
    },
    close: () => file.close(),
  };
}

/** Node 20's fs.openAsBlob reads lazily: a Parquet reader fetches only the ranges it needs. */
async function openAsBlob(path: string): Promise<Blob> {
  const fs = (await import('node:fs')) as unknown as { openAsBlob(path: string): Promise<Blob> };
  return fs.openAsBlob(path);
}

/**
 * Staging inside the output directory (same file system, so moving into place is a
 * rename): `<out>/.gluekit-staging-<run>/<bucket>/<key>`.
 */
export class DirectoryStaging implements OutputStaging {
  readonly root: string;
  private readonly staging: string;

  constructor(out: string, runId: string) {
    this.root = resolve(out);
    this.staging = join(this.root, `.gluekit-staging-${runId}`);
  }

  describe(bucket: string, key: string): string {
    return displayPath(pathOf(this.root, bucket, key));
  }

  /**
   * Metadata goes beside the file in `<file>.metadata.json`, the fixtures convention,
   * inside the staged folder: it is committed (or dropped) with the file.
   */
  async write(bucket: string, key: string, chunks: AsyncIterable<Uint8Array>, metadata?: UserMetadata): Promise<number> {
    const path = pathOf(this.staging, bucket, key);
    const attached = attachedMetadata(this.describe(bucket, key), metadata);
    await mkdir(dirname(path), { recursive: true });
    const size = await writeNewFile(path, chunks);
    if (attached) await writeFile(`${path}.metadata.json`, metadataFileText(attached), { flag: 'wx' });
    return size;
  }

  async commit(folders: readonly CommitFolder[]): Promise<void> {
    const aside = join(this.staging, '.previous');
    const moved: { target: string; previous: string }[] = [];
    const placed: string[] = [];
    try {
      for (const [i, { bucket, prefix }] of folders.entries()) {
        const target = pathOf(this.root, bucket, prefix);
        const staged = pathOf(this.staging, bucket, prefix);
        const previous = join(aside, String(i));
        await mkdir(aside, { recursive: true });
        if (await stat(target).catch(() => undefined)) {
          await rename(target, previous);
          moved.push({ target, previous });
        }
        await mkdir(dirname(target), { recursive: true });
        if (await stat(staged).catch(() => undefined)) await rename(staged, target);
        else await mkdir(target, { recursive: true }); // a sink that wrote no rows still empties its folder
        placed.push(target);
      }
    } catch (e) {
      // Put back what was there before: a failed commit must not leave a mix.
      for (const target of placed) await rm(target, { recursive: true, force: true });
      for (const { target, previous } of moved.reverse()) await rename(previous, target).catch(() => undefined);
      throw e;
    }
    await rm(this.staging, { recursive: true, force: true });
  }

  async abort(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
  }
}
