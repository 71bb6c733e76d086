import { GlobalPosition, START_OF_ALL } from '@scim-ledger/event-store';
import { ReadModelFreshness } from './read-model-freshness';

const at = (n: number): GlobalPosition => ({ commit: BigInt(n), prepare: BigInt(n) });

/** What a promise has answered so far, read without waiting for it. */
function answerOf<T>(promise: Promise<T>): { value: T | 'not yet' } {
  const seen: { value: T | 'not yet' } = { value: 'not yet' };
  void promise.then((value) => (seen.value = value));
  return seen;
}

// The bounds below are durations of the poll interval and the waits' deadlines: on fake timers they are
// exact, and a loaded machine can neither fail them nor let a slow wake-up pass (issue 17, item 4).
describe('ReadModelFreshness', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('given a waiting write, when the projector reports its position, then the wait answers true', async () => {
    const freshness = new ReadModelFreshness(async () => START_OF_ALL, 1000);
    const waiting = answerOf(freshness.waitFor(at(3), 2000));
    setTimeout(() => freshness.advancedTo(at(3)), 10);

    await jest.advanceTimersByTimeAsync(10);

    expect(waiting.value).toBe(true);
  });

  it('given two waiters, when one reads a newer checkpoint, then the other is woken rather than left to its poll', async () => {
    let checkpoint = START_OF_ALL;
    // A poll interval far longer than the 10 ms below: only a wake-up can answer by then.
    const freshness = new ReadModelFreshness(async () => checkpoint, 1500);
    const both = answerOf(Promise.all([freshness.waitFor(at(1), 3000), freshness.waitFor(at(1), 3000)]));
    setTimeout(() => {
      checkpoint = at(1);
      void freshness.waitFor(at(0), 10);
    }, 10);

    await jest.advanceTimersByTimeAsync(10);

    expect(both.value).toEqual([true, true]);
  });

  it('given several writes waiting for a lagging projector, then they do not wake each other for ever and starve the event loop', async () => {
    // The checkpoint read resolves in microtasks, like the in-process SQLite read model; a livelock
    // would never let the 10 ms timer run (the advance below would not return).
    const freshness = new ReadModelFreshness(async () => START_OF_ALL, 5);
    const waiting = answerOf(Promise.all([freshness.waitFor(at(1), 3000), freshness.waitFor(at(2), 3000)]));
    const timer = answerOf(new Promise<'fired'>((resolve) => setTimeout(() => resolve('fired'), 10)));

    await jest.advanceTimersByTimeAsync(10);
    expect(timer.value).toBe('fired');
    expect(waiting.value).toBe('not yet');

    await jest.advanceTimersByTimeAsync(3000);
    expect(waiting.value).toEqual([false, false]);
  });
});
