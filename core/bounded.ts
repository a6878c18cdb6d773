/**
 * Running async tasks a few at a time: partition files written, objects uploaded, jobs
 * deployed. Two failure rules, because the callers need both.
 */

/**
 * Runs tasks with at most `limit` in flight and returns every result in input order.
 * Tasks must not reject (each turns its own failure into a result), so one failing job
 * never stops or hides the others.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Runs `task` over `items` with at most `limit` calls in flight. Every started call is
 * awaited before returning or throwing (nothing keeps writing after a failure is
 * reported); the first failure is thrown and no new call starts after it.
 */
export async function eachBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
