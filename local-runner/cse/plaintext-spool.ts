/**
 * Where decrypted bytes wait until the whole object has authenticated. GCM checks its
 * tag only at the end, so no plaintext may reach a reader before then: small objects
 * are decrypted into memory, large ones into a private temporary file (mode 0600 in a
 * 0700 folder), and only after the tag verifies is the plaintext handed out as an
 * ObjectSource. Memory stays bounded for large objects: a few chunks in flight (at most
 * WRITES_IN_FLIGHT writes of about WRITE_BATCH bytes, plus the batch being gathered).
 */
import { rmSync } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectSource } from '../formats/format.js';
import { fileSource } from '../stores/fixtures.js';

/** An ObjectSource that holds resources until disposed: call dispose() once the reader is done. */
export interface DisposableSource extends ObjectSource {
  /** Frees the plaintext (deletes the temporary file). The source is unusable afterwards. */
  dispose(): Promise<void>;
}

export interface PlaintextSpool {
  /** Accepts a chunk; the promise, when there is one, resolves when more may be written. */
  write(chunk: Uint8Array): void | Promise<void>;
  /** Called once the content has authenticated: the plaintext as a source. */
  finish(): Promise<DisposableSource>;
  /** Called on failure: drops everything written, leaving nothing behind. */
  discard(): Promise<void>;
}

export interface SpoolOptions {
  /** Objects larger than this many bytes are spooled to a temporary file. */
  readonly spillAbove: number;
  /** Folder for temporary files. */
  readonly tempDir: string;
}

/** Chunk size of the sources handed out (the fixture store reads 1 MiB at a time too). */
const CHUNK = 1 << 20;
/**
 * Plaintext chunks smaller than this are gathered into one write (writev) of at least this
 * many bytes: an S3 body arrives in chunks of a few KiB, and a write per chunk costs a
 * system call and a thread-pool round trip each (256 MiB in 16 KiB chunks: about half the
 * main thread's time, bench/README.md). The fixture store's chunks are already this size.
 * Larger batches (2 and 4 MiB) were no faster.
 */
const WRITE_BATCH = 1 << 20;
/**
 * Writes in flight at once: enough to overlap disk and cipher, and fewer than libuv's 4
 * threads, so that a read of the ciphertext never waits in the pool's queue behind
 * writes. Measured as fast as 4 (within noise), with half the plaintext in flight.
 */
const WRITES_IN_FLIGHT = 2;

/** A spool for the plaintext of `name`, whose ciphertext is `ciphertextSize` bytes (an upper bound of its plaintext). */
export async function openSpool(name: string, ciphertextSize: number, options: SpoolOptions): Promise<PlaintextSpool> {
  return ciphertextSize <= options.spillAbove ? memorySpool(name, ciphertextSize) : await fileSpool(name, options.tempDir);
}

function memorySpool(name: string, capacity: number): PlaintextSpool {
  // The cipher's own output chunks, kept as they are: copying them into one buffer would
  // double the memory touched. bytes() joins them only if a reader asks for it.
  let chunks: Uint8Array[] | undefined = [];
  let size = 0;
  return {
    write(chunk) {
      if (size + chunk.length > capacity) throw new Error(`${name}: decrypted content is larger than the object`);
      chunks!.push(chunk);
      size += chunk.length;
    },
    async finish() {
      let held: Uint8Array[] | undefined = chunks;
      chunks = undefined;
      const live = (): Uint8Array[] => {
        if (!held) throw new Error(`${name}: decrypted object used after dispose()`);
        return held;
      };
      return {
        name,
        size,
        async bytes() {
          const parts = live();
          if (parts.length !== 1) held = [Buffer.concat(parts, size)];
          return held![0] ?? new Uint8Array(0);
        },
        blob: async () => new Blob(live()),
        stream: () => chunksOf(live()),
        async dispose() {
          held = undefined;
        },
      };
    },
    async discard() {
      for (const chunk of chunks ?? []) chunk.fill(0);
      chunks = undefined;
    },
  };
}

async function* chunksOf(parts: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const part of parts) {
    for (let at = 0; at < part.length; at += CHUNK) yield part.subarray(at, Math.min(part.length, at + CHUNK));
  }
}

async function fileSpool(name: string, tempDir: string): Promise<PlaintextSpool> {
  const dir = await mkdtemp(join(tempDir, 'gluekit-cse-')); // mode 0700
  leftovers.add(dir);
  const path = join(dir, 'plaintext');
  let file: FileHandle | undefined;
  try {
    file = await open(path, 'wx', 0o600);
  } catch (e) {
    await removeDir(dir);
    throw e;
  }
  let size = 0;
  let flushed = 0;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const inFlight: Promise<unknown>[] = [];
  let failure: unknown;
  /** Writes the batch at its offset; waits when enough writes are in flight. */
  const flush = async () => {
    if (batchBytes === 0) return;
    const buffers = batch;
    const at = flushed;
    flushed += batchBytes;
    batch = [];
    batchBytes = 0;
    // Positional writes may complete in any order; each lands at its own offset.
    inFlight.push(writeAllAt(name, file!, buffers, at).catch((e: unknown) => (failure ??= e)));
    if (inFlight.length >= WRITES_IN_FLIGHT) await inFlight.shift();
  };
  const settle = async () => {
    await flush();
    await Promise.all(inFlight.splice(0));
    if (failure !== undefined) throw failure;
  };
  const close = async () => {
    const handle = file;
    file = undefined;
    await handle?.close();
  };
  const discard = async () => {
    for (const chunk of batch) chunk.fill(0);
    batch = [];
    batchBytes = 0;
    await Promise.allSettled(inFlight.splice(0));
    await close().catch(() => undefined);
    await removeDir(dir);
  };
  return {
    write(chunk) {
      if (failure !== undefined) throw failure;
      batch.push(chunk);
      batchBytes += chunk.length;
      size += chunk.length;
      return batchBytes >= WRITE_BATCH ? flush() : undefined;
    },
    async finish() {
      try {
        await settle();
        await close();
      } catch (e) {
        await discard();
        throw e;
      }
      const source = fileSource(path, name, size);
      return {
        ...source,
        async dispose() {
          await removeDir(dir);
        },
      };
    },
    discard,
  };
}

/**
 * Writes `buffers` at `position`. libuv carries on after a short write and reports fewer
 * bytes only when the file system stops taking them (a full disk): that is a failure, or
 * the file would keep a hole where plaintext belongs.
 */
async function writeAllAt(name: string, file: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  const length = buffers.reduce((sum, b) => sum + b.length, 0);
  const { bytesWritten } = await file.writev(buffers, position);
  if (bytesWritten !== length) throw new Error(`${name}: could not write the decrypted content to its temporary file (${bytesWritten} of ${length} bytes written at offset ${position}; is the disk full?)`);
}

/** Temporary folders not yet removed; removed at exit too, should a caller forget dispose(). */
const leftovers = new Set<string>();
process.once('exit', () => {
  for (const dir of leftovers) rmSync(dir, { recursive: true, force: true });
});

async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  leftovers.delete(dir);
}
