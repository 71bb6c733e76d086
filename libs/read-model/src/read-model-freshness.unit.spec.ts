import { GlobalPosition, START_OF_ALL } from '@scim-ledger/event-store';
import { ReadModelFreshness } from './read-model-freshness';

const at = (n: number): GlobalPosition => ({ commit: BigInt(n), prepare: BigInt(n) });

describe('ReadModelFreshness', () => {
  it('given a waiting write, when the projector reports its position, then the wait answers true', async () => {
    const freshness = new ReadModelFreshness(async () => START_OF_ALL, 1000);
    const waiting = freshness.waitFor(at(3), 2000);
    setTimeout(() => freshness.advancedTo(at(3)), 10);
    await expect(waiting).resolves.toBe(true);
  });

  it('given two waiters, when one reads a newer checkpoint, then the other is woken rather than left to its poll', async () => {
    let checkpoint = START_OF_ALL;
    const started = Date.now();
    // A poll interval longer than the bound below: only a wake-up can answer in time.
    const freshness = new ReadModelFreshness(async () => checkpoint, 1500);
    const first = freshness.waitFor(at(1), 3000);
    const second = freshness.waitFor(at(1), 3000);
    setTimeout(() => {
      checkpoint = at(1);
      void freshness.waitFor(at(0), 10);
    }, 10);
    await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('given several writes waiting for a lagging projector, then they do not wake each other for ever and starve the event loop', async () => {
    // The checkpoint read resolves in microtasks, like the in-process SQLite read model;
    // a livelock would hold a 10 ms timer back until the waiters' 3 s deadline.
    const freshness = new ReadModelFreshness(async () => START_OF_ALL, 5);
    const started = Date.now();
    const waiting = Promise.all([freshness.waitFor(at(1), 3000), freshness.waitFor(at(2), 3000)]);
    const timerFiredAfter = await new Promise<number>((resolve) => setTimeout(() => resolve(Date.now() - started), 10));
    expect(timerFiredAfter).toBeLessThan(1000);
    await expect(waiting).resolves.toEqual([false, false]);
  });
});
