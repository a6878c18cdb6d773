import type { ObjectSource } from '../formats/format.js';

/** An object held in memory, streamed in chunks of `chunkSize` bytes (tests make records span chunks with a small one). */
export function memorySource(name: string, bytes: Uint8Array, chunkSize = 1 << 20): ObjectSource {
  return {
    name,
    size: bytes.length,
    bytes: async () => bytes,
    blob: async () => new Blob([bytes]),
    async *stream() {
      for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.subarray(at, Math.min(bytes.length, at + chunkSize));
    },
  };
}

/** Output staging in memory, for the testing API: sinks still run their writers, nothing touches the disk. */
import { type OutputStaging, type UserMetadata, type CommitFolder, attachedMetadata } from './store.js';

export class MemoryStaging implements OutputStaging {
  /** Committed objects, by `bucket/key`. */
  readonly objects = new Map<string, Uint8Array>();
  /** User metadata of committed objects that have any, by `bucket/key`. */
  readonly metadata = new Map<string, UserMetadata>();
  private readonly staged = new Map<string, { bytes: Uint8Array; metadata?: UserMetadata }>();

  describe(bucket: string, key: string): string {
    return `memory://${bucket}/${key}`;
  }

  async write(bucket: string, key: string, chunks: AsyncIterable<Uint8Array>, metadata?: UserMetadata): Promise<number> {
    const attached = attachedMetadata(this.describe(bucket, key), metadata);
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    const bytes = Buffer.concat(parts);
    this.staged.set(`${bucket}/${key}`, { bytes, ...(attached && { metadata: Object.freeze({ ...attached }) }) });
    return bytes.length;
  }

  async commit(folders: readonly CommitFolder[]): Promise<void> {
    for (const { bucket, prefix } of folders) {
      for (const key of [...this.objects.keys()]) {
        if (!key.startsWith(`${bucket}/${prefix}`)) continue;
        this.objects.delete(key);
        this.metadata.delete(key);
      }
    }
    for (const [key, { bytes, metadata }] of this.staged) {
      this.objects.set(key, bytes);
      if (metadata) this.metadata.set(key, metadata);
      else this.metadata.delete(key); // a rewritten object keeps no metadata from before
    }
    this.staged.clear();
  }

  async abort(): Promise<void> {
    this.staged.clear();
  }
}
