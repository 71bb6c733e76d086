import { EventEmitter } from 'node:events';
import { GlobalPosition, RecordedEvent, START_OF_ALL, SubscribeOptions } from './event-store.port';

/**
 * Wakes readers when this process appends, so an in-process projector follows
 * at once; appends from other processes are found by the poll interval.
 */
export class AppendSignal {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  /** Counts appends, so a reader that was busy reading when one happened does not sleep past it. */
  private appends = 0;

  get generation(): number {
    return this.appends;
  }

  notify(): void {
    this.appends += 1;
    this.emitter.emit('appended');
  }

  /**
   * Resolves at once if an append happened since `seen`, else on the next
   * append in this process, after `timeoutMs`, or on abort.
   */
  async next(timeoutMs: number, signal?: AbortSignal, seen = this.appends): Promise<void> {
    if (signal?.aborted || seen !== this.appends) return;
    // Plain listeners and a timer: racing AbortSignal-based waits rejected the
    // loser with an AbortError (a DOMException with a stack) on every wake-up.
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off('appended', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.emitter.on('appended', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * A catch-up subscription for stores that have no push channel of their own:
 * read a page after the checkpoint, yield it one event at a time, and wait
 * for an append (or the poll interval) when caught up.
 */
export async function* pollAll(
  readAll: (after: GlobalPosition, maxCount: number) => Promise<RecordedEvent[]>,
  appended: AppendSignal,
  options: SubscribeOptions & { pageSize: number; pollIntervalMs: number },
): AsyncGenerator<RecordedEvent> {
  let after = options.after ?? START_OF_ALL;
  while (!options.signal?.aborted) {
    const seen = appended.generation;
    const page = await readAll(after, options.pageSize);
    for (const event of page) {
      if (options.signal?.aborted) return;
      yield event;
      after = event.position;
    }
    if (page.length < options.pageSize) await appended.next(options.pollIntervalMs, options.signal, seen);
  }
}
