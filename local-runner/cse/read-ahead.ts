/**
 * The chunks of `source`, pulled ahead of the consumer until `limit` bytes wait unread, so
 * that a source doing I/O reads the next chunks while the current one is processed. The
 * source's chunks are handed on as they are, in order; its error comes after the chunks
 * read before it. A consumer stopping early stops the pulling and closes the source.
 */
export async function* readAhead(source: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Uint8Array[] = [];
  let queued = 0;
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const wake = (which: 'consumer' | 'producer') => {
    const resume = which === 'consumer' ? wakeConsumer : wakeProducer;
    if (which === 'consumer') wakeConsumer = undefined;
    else wakeProducer = undefined;
    resume?.();
  };
  const pump = (async () => {
    try {
      while (!stopped) {
        if (queued >= limit) {
          await new Promise<void>((resume) => (wakeProducer = resume));
          continue;
        }
        const next = await iterator.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        queue.push(next.value);
        queued += next.value.length;
        wake('consumer');
      }
    } catch (e) {
      exhausted = true;
      failure = { error: e };
    }
    stopped = true;
    wake('consumer');
  })();
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        queued -= chunk.length;
        wake('producer');
        yield chunk;
      } else if (failure) {
        throw failure.error;
      } else if (stopped) {
        return;
      } else {
        await new Promise<void>((resume) => (wakeConsumer = resume));
      }
    }
  } finally {
    stopped = true;
    wake('producer');
    await pump;
    if (!exhausted) await iterator.return?.();
  }
}
