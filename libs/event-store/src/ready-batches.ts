import { setImmediate as nextTurn } from 'node:timers/promises';

const NOTHING_READY = Symbol('nothing ready');

/**
 * Groups what a subscription has ready right now into batches, so a catch-up
 * commits hundreds of events per transaction while a live event is still
 * applied as soon as it arrives. Consumed with `for await`, one batch at a
 * time (shared/STYLE.md point 9).
 */
export async function* readyBatches<T>(source: AsyncIterable<T>, maxSize: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending = iterator.next();
  try {
    for (;;) {
      const first = await pending;
      if (first.done) return;
      const batch = [first.value];
      pending = iterator.next();
      // One turn per batch, not per event: a catch-up from a synchronous store
      // (SQLite) runs in microtasks, so per-event timers piled up unfired, about
      // 1.4 KB each, until it was caught up.
      const turn = nextTurn(NOTHING_READY);
      while (batch.length < maxSize) {
        const next = await Promise.race([pending, turn]);
        if (next === NOTHING_READY) break;
        if (next.done) {
          yield batch;
          return;
        }
        batch.push(next.value);
        pending = iterator.next();
      }
      yield batch;
    }
  } finally {
    await iterator.return?.();
  }
}
