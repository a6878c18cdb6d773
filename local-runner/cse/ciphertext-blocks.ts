/**
 * The ciphertext of a CSE object as decryption reads it: blocks of 2 MiB, in a few
 * buffers used in turn rather than a fresh buffer per chunk.
 *
 * Why: the cipher is cheap next to the memory it walks. An S3 body arrives in chunks of
 * 16 KiB, and a decipher call per chunk costs more than the decryption (256 MiB: 0.6 of raw
 * AES-GCM's speed, against 0.9 for whole blocks). A file read through a stream gets a new
 * 1 MiB buffer per chunk, and on this project's VM faulting in that fresh memory costs two
 * to four times reading the bytes themselves. Calling the cipher on fewer, larger blocks
 * also leaves fewer awaits between them.
 *
 * A block stays valid until two more have been taken (gathered blocks: three buffers) or
 * the next two have been read ahead (file blocks: four): decryptContent holds back at most
 * one block (the last, which may end with the tag) while it takes the next.
 */

/**
 * Bytes per block. 2 MiB: the file path at 0.82-0.87 of raw AES-GCM against 0.78-0.79 with
 * 1 MiB; 4 MiB was slower for gathered chunks (0.54-0.60) and grew the peak RSS by 16 MiB.
 */
export const BLOCK = 1 << 21;
/** Buffers in turn: the block held back, the block handed out, and two read ahead. */
const BUFFERS = 4;
/** Blocks a file is read ahead of the cipher: one was not enough to hide a read's latency. */
const AHEAD = BUFFERS - 2;

/** Reads bytes [from, to) into `into` (at least to - from long) and returns them (a view of it). */
export type RangeInto = (from: number, to: number, into: Uint8Array) => Promise<Uint8Array>;

/** The `size` bytes of a random-access source, read straight into the buffers, AHEAD blocks ahead. */
export async function* rangeBlocks(read: RangeInto, size: number): AsyncIterable<Uint8Array> {
  const buffers: Uint8Array[] = [];
  const buffer = (k: number) => (buffers[k % BUFFERS] ??= new Uint8Array(Math.min(BLOCK, size)));
  const fetch = (k: number) => {
    const from = k * BLOCK;
    const pending = read(from, Math.min(size, from + BLOCK), buffer(k));
    pending.catch(() => {}); // reported when its turn comes
    return pending;
  };
  const blocks = Math.ceil(size / BLOCK);
  const pending: Promise<Uint8Array>[] = [];
  for (let k = 0; k < Math.min(AHEAD, blocks); k++) pending.push(fetch(k));
  for (let k = 0; k < blocks; k++) {
    const current = await pending.shift()!;
    if (k + AHEAD < blocks) pending.push(fetch(k + AHEAD));
    yield current;
  }
}

/** Chunks at least this long go to the cipher as they are: only small ones cost a call each. */
const GATHER_BELOW = 1 << 18;

/**
 * The chunks of `source`, those under 256 KiB gathered (copied) into blocks; larger ones
 * pass through as they are, after the block being gathered, if any.
 */
export async function* gatheredBlocks(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const buffers: Uint8Array[] = [];
  let turn = 0;
  let block: Uint8Array | undefined;
  let used = 0;
  const flush = () => {
    const full = block!.subarray(0, used);
    turn++;
    block = undefined;
    used = 0;
    return full;
  };
  for await (const chunk of source) {
    if (chunk.length >= GATHER_BELOW) {
      if (used > 0) yield flush();
      yield chunk;
      continue;
    }
    for (let offset = 0; offset < chunk.length; ) {
      block ??= buffers[turn % BUFFERS] ??= new Uint8Array(BLOCK);
      const n = Math.min(BLOCK - used, chunk.length - offset);
      block.set(chunk.subarray(offset, offset + n), used);
      used += n;
      offset += n;
      if (used === BLOCK) yield flush();
    }
  }
  if (used > 0) yield flush();
}
