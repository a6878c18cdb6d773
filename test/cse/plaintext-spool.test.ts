/**
 * Where plaintext waits for the GCM tag (plaintext-spool.ts): the temporary file is
 * private while it is written and gone after discard() or dispose(); writes in flight land
 * at their own offsets. And readAhead (read-ahead.ts), which pulls ciphertext ahead of the
 * cipher: order kept, bounded, errors after the chunks before them, the source closed on
 * an early stop.
 */
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSpool } from '../../local-runner/cse/plaintext-spool.js';
import { readAhead } from '../../local-runner/cse/read-ahead.js';
import { cleanupFolders, freshFolder } from './helpers.js';

afterAll(cleanupFolders);

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('file spool', () => {
  it('writes into a 0600 file in a 0700 folder, and hands the bytes out in order once finished', async () => {
    const tempDir = await freshFolder();
    const plaintext = randomBytes(5 * (1 << 20) + 12345);
    const spool = await openSpool('object', plaintext.length, { spillAbove: 0, tempDir });
    const [folder] = await readdir(tempDir);
    expect((await stat(join(tempDir, folder!))).mode & 0o777).toBe(0o700);
    expect((await stat(join(tempDir, folder!, 'plaintext'))).mode & 0o777).toBe(0o600);
    // Uneven chunks, several writes in flight at once: each must land at its own offset.
    for (let at = 0; at < plaintext.length; ) {
      const size = Math.min(plaintext.length - at, 1 + ((at * 7919) % (1 << 20)));
      await spool.write(plaintext.subarray(at, at + size));
      at += size;
    }
    const source = await spool.finish();
    expect(source.size).toBe(plaintext.length);
    expect((await collect(source.stream())).equals(plaintext)).toBe(true);
    expect(Buffer.from(await source.bytes()).equals(plaintext)).toBe(true);
    await source.dispose();
    expect(await readdir(tempDir)).toEqual([]);
  });

  it('leaves nothing behind when discarded with writes still in flight', async () => {
    const tempDir = await freshFolder();
    const spool = await openSpool('object', 8 << 20, { spillAbove: 0, tempDir });
    const writes = [spool.write(randomBytes(1 << 20)), spool.write(randomBytes(1 << 20))];
    await spool.discard();
    await Promise.allSettled(writes);
    expect(await readdir(tempDir)).toEqual([]);
  });
});

describe('readAhead', () => {
  /** A source of `count` chunks of `size` bytes that records how far it has been pulled and whether it was closed. */
  function source(count: number, size: number, failAfter?: number) {
    const state = { pulled: 0, closed: false };
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < count; i++) {
          if (i === failAfter) throw new Error('the disk went away');
          await new Promise(setImmediate); // as I/O would
          state.pulled++;
          yield new Uint8Array(size).fill(i);
        }
      } finally {
        state.closed = true;
      }
    }
    return { chunks: chunks(), state };
  }

  it('hands on every chunk, in order, as the source made it', async () => {
    const { chunks } = source(20, 1000);
    const seen: number[] = [];
    for await (const chunk of readAhead(chunks, 3000)) {
      expect(chunk.length).toBe(1000);
      seen.push(chunk[0]!);
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('pulls ahead of a slow consumer, but no more than the limit', async () => {
    const { chunks, state } = source(50, 1000);
    let consumed = 0;
    let mostAhead = 0;
    for await (const _ of readAhead(chunks, 3000)) {
      consumed++;
      await new Promise((resolve) => setTimeout(resolve, 2)); // the cipher, slower than the source
      mostAhead = Math.max(mostAhead, state.pulled - consumed);
    }
    expect(consumed).toBe(50);
    expect(mostAhead).toBeGreaterThanOrEqual(2); // it did read ahead
    expect(mostAhead).toBeLessThanOrEqual(3); // 3000 bytes: three 1000-byte chunks
  });

  it("passes on the source's error after the chunks read before it", async () => {
    const { chunks } = source(10, 100, 4);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const chunk of readAhead(chunks, 1000)) seen.push(chunk[0]!);
      })(),
    ).rejects.toThrow('the disk went away');
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('stops pulling and closes the source when the consumer stops early', async () => {
    const { chunks, state } = source(1000, 100);
    for await (const chunk of readAhead(chunks, 500)) if (chunk[0] === 2) break;
    expect(state.closed).toBe(true);
    expect(state.pulled).toBeLessThan(10);
  });
});
