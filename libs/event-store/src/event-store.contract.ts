import { randomUUID } from 'node:crypto';
import { until } from '../../../test/support/polling';
import {
  comparePositions,
  EventStore,
  EventToAppend,
  RecordedEvent,
  START_OF_ALL,
  StreamsPartlyAppendedError,
  WrongExpectedRevisionError,
} from './event-store.port';

/**
 * The one contract every event-store backend passes (shared/STYLE.md point 13).
 * Stream ids carry a fresh prefix per test, so the suite also runs against a
 * store that already holds events (EventStoreDB is never emptied).
 */
export function describeEventStoreContract(backend: string, openStore: () => Promise<EventStore>): void {
  describe(`EventStore contract: ${backend}`, () => {
    let store: EventStore;
    let prefix: string;

    beforeAll(async () => {
      store = await openStore();
    });
    afterAll(async () => {
      await store?.close();
    });
    beforeEach(() => {
      prefix = `contract${randomUUID().replace(/-/g, '')}`;
    });

    const stream = (name: string) => `${prefix}-${name}`;
    const event = (type: string, data: Record<string, unknown> = {}): EventToAppend => ({
      id: randomUUID(),
      type,
      data,
      metadata: { tenantId: 't1', requestId: randomUUID() },
    });
    const ours = (events: RecordedEvent[]) => events.filter((e) => e.streamId.startsWith(prefix));
    async function readAllOurs(after = START_OF_ALL): Promise<RecordedEvent[]> {
      const found: RecordedEvent[] = [];
      let position = after;
      for (;;) {
        const page = await store.readAll({ after: position, maxCount: 1000 });
        if (page.length === 0) return found;
        found.push(...ours(page));
        position = page[page.length - 1].position;
      }
    }

    it('given no stream, when appending with no_stream, then the events get revisions from 0 and read back in order', async () => {
      const first = event('UserCreated', { userName: 'ada@example.com', nested: { n: 1 } });
      const second = event('UserRenamed', { displayName: 'Ada L.' });

      const result = await store.append(stream('a'), [first, second], 'no_stream');

      expect(result.nextExpectedRevision).toBe(1);
      const read = await store.readStream(stream('a'));
      expect(read.map((e) => [e.revision, e.type, e.id])).toEqual([
        [0, 'UserCreated', first.id],
        [1, 'UserRenamed', second.id],
      ]);
      expect(read[0].data).toEqual({ userName: 'ada@example.com', nested: { n: 1 } });
      expect(read[0].metadata).toEqual(first.metadata);
      expect(read[0].streamId).toBe(stream('a'));
      expect(comparePositions(read[1].position, result.position)).toBe(0);
      expect(comparePositions(read[0].position, read[1].position)).toBeLessThan(0);
    });

    it('given a missing stream, when reading it, then it is empty', async () => {
      expect(await store.readStream(stream('missing'))).toEqual([]);
      expect(await store.readLastEvent(stream('missing'))).toBeNull();
    });

    it('given a stream of three events, when reading its last event, then it is the newest with its revision', async () => {
      await store.append(stream('last'), [event('A'), event('B')], 'no_stream');
      const third = event('C', { seats: 3 });
      await store.append(stream('last'), [third], 1);

      const last = await store.readLastEvent(stream('last'));

      expect(last).toMatchObject({ id: third.id, type: 'C', revision: 2, data: { seats: 3 }, streamId: stream('last') });
    });

    it('given a stream of four events, when reading it from a revision, then only the events from that revision on come, in order', async () => {
      await store.append(stream('from'), [event('A'), event('B'), event('C'), event('D', { n: 4 })], 'no_stream');

      const fromTwo = await store.readStream(stream('from'), { fromRevision: 2 });

      expect(fromTwo.map((e) => [e.revision, e.type])).toEqual([
        [2, 'C'],
        [3, 'D'],
      ]);
      expect(fromTwo[1]).toMatchObject({ data: { n: 4 }, streamId: stream('from') });
      expect((await store.readStream(stream('from'), { fromRevision: 0 })).map((e) => e.revision)).toEqual([0, 1, 2, 3]);
      expect(await store.readStream(stream('from'), { fromRevision: 4 })).toEqual([]);
      expect(await store.readStream(stream('from'), { fromRevision: 100 })).toEqual([]);
      expect(await store.readStream(stream('missing'), { fromRevision: 1 })).toEqual([]);
    });

    it('given a stream of four events, when reading a window of it, then at most that many events from the revision on', async () => {
      await store.append(stream('window'), [event('A'), event('B'), event('C'), event('D')], 'no_stream');

      const windows = await Promise.all([
        store.readStream(stream('window'), { fromRevision: 1, maxCount: 2 }),
        store.readStream(stream('window'), { fromRevision: 3, maxCount: 2 }),
        store.readStream(stream('window'), { maxCount: 1 }),
        store.readStream(stream('window'), { fromRevision: 4, maxCount: 2 }),
      ]);

      expect(windows.map((window) => window.map((e) => e.type))).toEqual([['B', 'C'], ['D'], ['A'], []]);
    });

    it('given an existing stream, when appending with no_stream, then a typed concurrency error names the actual revision', async () => {
      await store.append(stream('b'), [event('A'), event('B')], 'no_stream');

      const attempt = store.append(stream('b'), [event('C')], 'no_stream');

      await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(attempt).rejects.toMatchObject({ streamId: stream('b'), expected: 'no_stream', actual: 1 });
      expect(await store.readStream(stream('b'))).toHaveLength(2);
    });

    it('given a stream at revision 1, when appending at exactly 1, then it succeeds, and a stale revision fails', async () => {
      await store.append(stream('c'), [event('A'), event('B')], 'no_stream');

      const ok = await store.append(stream('c'), [event('C')], 1);
      expect(ok.nextExpectedRevision).toBe(2);

      const stale = store.append(stream('c'), [event('D')], 1);
      await expect(stale).rejects.toMatchObject({ name: 'WrongExpectedRevisionError', expected: 1, actual: 2 });
      expect((await store.readStream(stream('c'))).map((e) => e.type)).toEqual(['A', 'B', 'C']);
    });

    it('given no stream, when appending at an exact revision, then it fails with actual no_stream', async () => {
      await expect(store.append(stream('d'), [event('A')], 0)).rejects.toMatchObject({
        name: 'WrongExpectedRevisionError',
        actual: 'no_stream',
      });
      expect(await store.readStream(stream('d'))).toEqual([]);
    });

    it('given any stream state, when appending with any, then it appends', async () => {
      await store.append(stream('e'), [event('A')], 'any');
      const result = await store.append(stream('e'), [event('B')], 'any');
      expect(result.nextExpectedRevision).toBe(1);
      expect((await store.readStream(stream('e'))).map((e) => e.type)).toEqual(['A', 'B']);
    });

    it('given concurrent appends at the same revision, then exactly one wins and the others get the typed error', async () => {
      await store.append(stream('f'), [event('A')], 'no_stream');

      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.append(stream('f'), [event(`B${i}`)], 0)));

      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(failures).toHaveLength(7);
      for (const failure of failures) expect(failure.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(stream('f'))).toHaveLength(2);
    });

    it('given concurrent appends to many streams with one stale, then only the stale one fails and the rest are stored', async () => {
      await store.append(stream('g0'), [event('A')], 'no_stream');

      const results = await Promise.allSettled([
        store.append(stream('g0'), [event('Stale')], 'no_stream'),
        ...Array.from({ length: 20 }, (_, i) => store.append(stream(`g${i + 1}`), [event('A'), event('B')], 'no_stream')),
      ]);

      expect(results[0].status).toBe('rejected');
      expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(results.slice(1).every((r) => r.status === 'fulfilled' && r.value.nextExpectedRevision === 1)).toBe(true);
      expect((await store.readStream(stream('g0'))).map((e) => e.type)).toEqual(['A']);
      for (let i = 1; i <= 20; i++) expect((await store.readStream(stream(`g${i}`))).map((e) => e.type)).toEqual(['A', 'B']);
    });

    it('given new streams, when appending to three at once, then each holds its events and the results come in the order of the writes', async () => {
      await store.append(stream('m2'), [event('Earlier')], 'no_stream');

      const results = await store.appendToStreams([
        { streamId: stream('m1'), events: [event('Claimed')], expected: 'no_stream' },
        { streamId: stream('m2'), events: [event('Seated'), event('Counted')], expected: 0 },
        { streamId: stream('m3'), events: [event('Created')], expected: 'any' },
      ]);

      expect(results.map((r) => r.nextExpectedRevision)).toEqual([0, 2, 0]);
      expect((await store.readStream(stream('m1'))).map((e) => e.type)).toEqual(['Claimed']);
      expect((await store.readStream(stream('m2'))).map((e) => e.type)).toEqual(['Earlier', 'Seated', 'Counted']);
      const created = await store.readStream(stream('m3'));
      expect(created.map((e) => e.type)).toEqual(['Created']);
      expect(comparePositions(created[0].position, results[2].position)).toBe(0);
      expect((await readAllOurs()).map((e) => e.type)).toEqual(['Earlier', 'Claimed', 'Seated', 'Counted', 'Created']);
    });

    it('given one stale write among three, when appending to the streams at once, then the error names that stream and an atomic store keeps none of them', async () => {
      await store.append(stream('n2'), [event('Taken')], 'no_stream');

      const attempt = store.appendToStreams([
        { streamId: stream('n1'), events: [event('Claimed')], expected: 'no_stream' },
        { streamId: stream('n2'), events: [event('Stale')], expected: 'no_stream' },
        { streamId: stream('n3'), events: [event('Created')], expected: 'no_stream' },
      ]);

      if (store.atomicMultiStreamAppend) {
        await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(attempt).rejects.toMatchObject({ streamId: stream('n2'), expected: 'no_stream', actual: 0 });
        expect(await store.readStream(stream('n1'))).toEqual([]);
      } else {
        // Stream by stream: the write before the stale one stays, and the caller is told which.
        await expect(attempt).rejects.toBeInstanceOf(StreamsPartlyAppendedError);
        await expect(attempt).rejects.toMatchObject({ appended: [stream('n1')], cause: { name: 'WrongExpectedRevisionError', streamId: stream('n2') } });
        expect((await store.readStream(stream('n1'))).map((e) => e.type)).toEqual(['Claimed']);
      }
      expect((await store.readStream(stream('n2'))).map((e) => e.type)).toEqual(['Taken']);
      expect(await store.readStream(stream('n3'))).toEqual([]);
    });

    it('given concurrent multi-stream appends that share one stream at one revision, then exactly one wins and the losers leave no events', async () => {
      await store.append(stream('shared'), [event('Opened')], 'no_stream');
      // A store that appends stream by stream must meet the shared stream first to leave nothing behind.
      const writesOf = (i: number) => {
        const own = { streamId: stream(`own${i}`), events: [event(`Own${i}`)], expected: 'no_stream' as const };
        const shared = { streamId: stream('shared'), events: [event(`Seat${i}`)], expected: 0 };
        return store.atomicMultiStreamAppend ? [own, shared] : [shared, own];
      };

      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.appendToStreams(writesOf(i))));

      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toMatchObject({ name: 'WrongExpectedRevisionError', streamId: stream('shared') });
      }
      expect((await store.readStream(stream('shared'))).map((e) => e.type)).toEqual(['Opened', `Seat${winners[0]}`]);
      for (let i = 0; i < 8; i++) expect(await store.readStream(stream(`own${i}`))).toHaveLength(i === winners[0] ? 1 : 0);
    });

    it('given one stream named twice, when appending to the streams at once, then it is refused and nothing is stored', async () => {
      const attempt = store.appendToStreams([
        { streamId: stream('twice'), events: [event('A')], expected: 'no_stream' },
        { streamId: stream('twice'), events: [event('B')], expected: 0 },
      ]);

      await expect(attempt).rejects.toThrow(/written twice/);
      expect(await store.readStream(stream('twice'))).toEqual([]);
    });

    it('given events in several streams, when reading all, then they come in append order and after a position only later ones', async () => {
      await store.append(stream('g1'), [event('One')], 'no_stream');
      await store.append(stream('g2'), [event('Two')], 'no_stream');
      await store.append(stream('g1'), [event('Three')], 0);

      const all = await readAllOurs();
      expect(all.map((e) => e.type)).toEqual(['One', 'Two', 'Three']);
      for (let i = 1; i < all.length; i++) expect(comparePositions(all[i - 1].position, all[i].position)).toBeLessThan(0);

      const afterFirst = await readAllOurs(all[0].position);
      expect(afterFirst.map((e) => e.type)).toEqual(['Two', 'Three']);
    });

    it('given more events than a page, when reading all with maxCount, then a page holds at most maxCount events', async () => {
      await store.append(
        stream('h'),
        Array.from({ length: 5 }, (_, i) => event(`E${i}`)),
        'no_stream',
      );
      const [firstOfOurs] = await readAllOurs();
      const before = (await store.readStream(stream('h')))[0].position;
      expect(comparePositions(firstOfOurs.position, before)).toBe(0);

      const page = await store.readAll({ after: START_OF_ALL, maxCount: 2 });
      expect(page.length).toBeLessThanOrEqual(2);
      expect(page.length).toBeGreaterThan(0);
    });

    it('given a checkpoint, when subscribing, then it delivers the later events, then live appends, and stops on abort', async () => {
      const first = await store.append(stream('s'), [event('Before')], 'no_stream');
      await store.append(stream('s'), [event('AfterCheckpoint')], 0);
      const controller = new AbortController();
      const received: string[] = [];

      const consuming = (async () => {
        for await (const e of store.subscribeToAll({ after: first.position, signal: controller.signal })) {
          if (!e.streamId.startsWith(prefix)) continue;
          received.push(e.type);
          if (received.length === 3) controller.abort();
        }
      })();
      await until(async () => received.length >= 1, 5000, 'the subscription to deliver the event after its checkpoint');
      await store.append(stream('s'), [event('Live1'), event('Live2')], 1);

      await consuming;
      expect(received).toEqual(['AfterCheckpoint', 'Live1', 'Live2']);
    });
  });
}
