/**
 * Where plaintext waits for the GCM tag (plaintext-spool.ts): the temporary file is
 * private while it is written and gone after discard() or dispose(); writes in flight land
 * at their own offsets, small chunks gathered into larger writes.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openSpool } from '../../local-runner/cse/plaintext-spool.js';
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

  it('gathers small chunks (an S3 body arrives in a few KiB at a time) into writes of 1 MiB', async () => {
    const tempDir = await freshFolder();
    const plaintext = randomBytes(4 * (1 << 20) + 100);
    const probe = await open(join(tempDir, 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(probe) as { writev: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    await rm(join(tempDir, 'probe'));
    const writev = vi.spyOn(fileHandle, 'writev');
    try {
      const spool = await openSpool('object', plaintext.length, { spillAbove: 0, tempDir });
      for (let at = 0; at < plaintext.length; at += 16384) await spool.write(plaintext.subarray(at, at + 16384));
      const source = await spool.finish();
      expect(writev).toHaveBeenCalledTimes(5); // four of 64 chunks, then the last 100 bytes
      expect(Buffer.from(await source.bytes()).equals(plaintext)).toBe(true);
      await source.dispose();
    } finally {
      writev.mockRestore();
    }
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
