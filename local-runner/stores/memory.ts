/** Output staging in memory, for the testing API: sinks still run their writers, nothing touches the disk. */
import type { OutputStaging } from './store.js';

export class MemoryStaging implements OutputStaging {
  /** Committed objects, by `bucket/key`. */
  readonly objects = new Map<string, Uint8Array>();
  private readonly staged = new Map<string, Uint8Array>();

  describe(bucket: string, key: string): string {
    return `memory://${bucket}/${key}`;
  }

  async write(bucket: string, key: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    const bytes = Buffer.concat(parts);
    this.staged.set(`${bucket}/${key}`, bytes);
    return bytes.length;
  }

  async commit(folders: readonly { bucket: string; prefix: string }[]): Promise<void> {
    for (const { bucket, prefix } of folders) {
      for (const key of [...this.objects.keys()]) if (key.startsWith(`${bucket}/${prefix}`)) this.objects.delete(key);
    }
    for (const [key, bytes] of this.staged) this.objects.set(key, bytes);
    this.staged.clear();
  }

  async abort(): Promise<void> {
    this.staged.clear();
  }
}
