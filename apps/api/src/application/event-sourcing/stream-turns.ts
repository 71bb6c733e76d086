/**
 * Work on one stream that takes turns within this process: each piece starts
 * after the previous one settled, so it reads what that one committed instead
 * of losing a race on the expected revision. Other processes are still
 * settled by the expected revision.
 */
export class StreamTurns {
  /** The last piece of work queued on each stream. */
  private readonly queued = new Map<string, Promise<unknown>>();

  async inTurn<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queued.get(streamId) ?? Promise.resolve();
    const mine = previous.then(work, work);
    const settled = mine.catch(() => undefined);
    this.queued.set(streamId, settled);
    try {
      return await mine;
    } finally {
      if (this.queued.get(streamId) === settled) this.queued.delete(streamId);
    }
  }
}
