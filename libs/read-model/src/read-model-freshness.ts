import { comparePositions, GlobalPosition, START_OF_ALL } from '@scim-ledger/event-store';

interface Waiter {
  readonly position: GlobalPosition;
  readonly answer: (fresh: boolean) => void;
  readonly deadline: NodeJS.Timeout;
}

/**
 * Read-your-writes: a write waits until the read model has applied its
 * position before answering, so the IdP's next lookup sees it. An in-process
 * projector reports each batch at once; a projector in another process is
 * seen by polling its checkpoint.
 *
 * Waiters are kept in one set and answered by whoever learns of a newer
 * position; one poller serves them all. (Each waiter polling on its own, with
 * an AbortController per wait, cost a checkpoint query per waiter every poll
 * interval and an AbortError per wake-up: a fifth of the api's CPU under a
 * burst of creates, see bench/README.md.)
 */
export class ReadModelFreshness {
  private known: GlobalPosition = START_OF_ALL;
  private readonly waiters = new Set<Waiter>();
  private polling = false;

  constructor(
    private readonly readCheckpoint: () => Promise<GlobalPosition>,
    private readonly pollIntervalMs: number,
  ) {}

  /** Answers the waiters the position now covers; does nothing unless it moved. */
  advancedTo(position: GlobalPosition): void {
    if (comparePositions(position, this.known) <= 0) return;
    this.known = position;
    for (const waiter of this.waiters) {
      if (comparePositions(this.known, waiter.position) >= 0) this.settle(waiter, true);
    }
  }

  /** True once the read model holds `position`; false if `timeoutMs` passed first. */
  async waitFor(position: GlobalPosition, timeoutMs: number): Promise<boolean> {
    if (comparePositions(this.known, position) >= 0) return true;
    // One fresh look first: it may answer this write and wake the others.
    this.advancedTo(await this.readCheckpoint());
    if (comparePositions(this.known, position) >= 0) return true;
    if (timeoutMs <= 0) return false;
    return new Promise<boolean>((answer) => {
      const waiter: Waiter = { position, answer, deadline: setTimeout(() => this.settle(waiter, false), timeoutMs) };
      this.waiters.add(waiter);
      void this.poll();
    });
  }

  private settle(waiter: Waiter, fresh: boolean): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.deadline);
    waiter.answer(fresh);
  }

  /** Reads the checkpoint every poll interval while anybody waits; timers, not microtasks, so it never starves the loop. */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      while (this.waiters.size > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.pollIntervalMs));
        if (this.waiters.size === 0) break;
        try {
          this.advancedTo(await this.readCheckpoint());
        } catch {
          // The read model is unreachable for now: the waiters' deadlines still answer them.
        }
      }
    } finally {
      this.polling = false;
    }
  }
}
