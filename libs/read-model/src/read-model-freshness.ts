import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { comparePositions, GlobalPosition, START_OF_ALL } from '@scim-ledger/event-store';

/**
 * Read-your-writes: a write waits until the read model has applied its
 * position before answering, so the IdP's next lookup sees it. An in-process
 * projector reports each batch at once; a projector in another process is
 * seen by polling its checkpoint.
 */
export class ReadModelFreshness {
  private known: GlobalPosition = START_OF_ALL;
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  constructor(
    private readonly readCheckpoint: () => Promise<GlobalPosition>,
    private readonly pollIntervalMs: number,
  ) {}

  /**
   * Wakes the waiters only when the position moved. Waiters call this with
   * every checkpoint they read; were it to wake them on no news, two waiters
   * would wake each other for ever in microtasks (the in-process checkpoint
   * read never leaves them) and starve the event loop, and with it the
   * projector they wait for, until their deadline.
   */
  advancedTo(position: GlobalPosition): void {
    if (comparePositions(position, this.known) <= 0) return;
    this.known = position;
    this.emitter.emit('advanced');
  }

  /** True once the read model holds `position`; false if `timeoutMs` passed first. */
  async waitFor(position: GlobalPosition, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (comparePositions(this.known, position) >= 0) return true;
      this.advancedTo(await this.readCheckpoint());
      if (comparePositions(this.known, position) >= 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const quiet = new AbortController();
      await Promise.race([
        once(this.emitter, 'advanced', { signal: quiet.signal }),
        sleep(Math.min(this.pollIntervalMs, left), undefined, { signal: quiet.signal }),
      ]).catch(() => undefined);
      quiet.abort();
    }
  }
}
