import { open } from 'node:fs/promises';

/**
 * Streams chunks into a new file (refusing to overwrite one) and returns its size.
 * `mode` applies from the moment the file exists (0o600 for private staging).
 */
export async function writeNewFile(path: string, chunks: AsyncIterable<Uint8Array>, mode = 0o666): Promise<number> {
  const file = await open(path, 'wx', mode);
  let size = 0;
  try {
    for await (const chunk of chunks) {
      await file.write(chunk);
      size += chunk.length;
    }
  } finally {
    await file.close();
  }
  return size;
}
