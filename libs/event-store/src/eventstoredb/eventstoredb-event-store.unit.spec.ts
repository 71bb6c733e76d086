import { PassThrough, Readable } from 'node:stream';
import {
  NO_STREAM,
  WrongExpectedVersionError,
  type AllStreamRecordedEvent,
  type EventStoreDBClient,
  type Position,
  type ReadPosition,
} from '@eventstore/db-client';
import { START_OF_ALL, StreamsPartlyAppendedError } from '../event-store.port';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { until } from '../../../../test/support/polling';

/*
 * No EventStoreDB server runs here, so this checks only the adapter's own
 * logic against a fake of the client's read calls: inclusive fromPosition,
 * system events, and ending a subscription on abort. The contract suite
 * (eventstoredb-event-store.int.spec.ts) is the real test.
 */
class FakeClient {
  readonly log: AllStreamRecordedEvent[] = [];
  readonly live = new Set<PassThrough>();
  /** Streams whose next append the fake refuses as stale, and every append asked for. */
  readonly staleStreams = new Set<string>();
  readonly appendsAsked: string[] = [];

  async appendToStream(streamId: string) {
    this.appendsAsked.push(streamId);
    if (this.staleStreams.has(streamId)) {
      throw Object.assign(Object.create(WrongExpectedVersionError.prototype) as WrongExpectedVersionError, {
        streamName: streamId,
        actualVersion: 0n,
        expectedVersion: NO_STREAM,
      });
    }
    const event = this.record(streamId, 'Appended');
    return { success: true, nextExpectedRevision: 0n, position: event.position };
  }

  record(streamId: string, type: string): AllStreamRecordedEvent {
    const at = BigInt((this.log.length + 1) * 100);
    const event = {
      streamId,
      id: `id-${this.log.length}`,
      isJson: true,
      revision: 0n,
      type,
      created: new Date(0),
      data: { type },
      metadata: undefined,
      position: { commit: at, prepare: at },
    } as AllStreamRecordedEvent;
    this.log.push(event);
    for (const subscription of this.live) subscription.write({ event });
    return event;
  }

  readAll({ fromPosition, maxCount }: { fromPosition: ReadPosition; maxCount: number }) {
    const from = fromPosition === 'start' ? -1n : (fromPosition as Position).commit;
    return Readable.from(
      this.log
        .filter((e) => e.position.commit >= from)
        .slice(0, maxCount)
        .map((event) => ({ event })),
    );
  }

  /** Asked for events of one stream: the revision the adapter asked from is recorded. */
  readonly streamReadsFrom: unknown[] = [];
  readStream(streamId: string, { fromRevision }: { fromRevision: 'start' | 'end' | bigint }) {
    this.streamReadsFrom.push(fromRevision);
    const ofStream = this.log.filter((e) => e.streamId === streamId).map((e, i) => ({ ...e, revision: BigInt(i) }));
    const from = fromRevision === 'start' ? 0n : (fromRevision as bigint);
    return Readable.from(ofStream.filter((e) => e.revision >= from).map((event) => ({ event })));
  }

  subscribeToAll({ fromPosition }: { fromPosition: ReadPosition }) {
    const from = fromPosition === 'start' ? -1n : (fromPosition as Position).commit;
    const subscription = Object.assign(new PassThrough({ objectMode: true }), {
      unsubscribe: async () => void this.live.delete(subscription),
    });
    for (const event of this.log) if (event.position.commit > from) subscription.write({ event });
    this.live.add(subscription);
    return subscription;
  }
}

function storeOn(fake: FakeClient): EventStoreDbEventStore {
  const Store = EventStoreDbEventStore as unknown as new (client: EventStoreDBClient) => EventStoreDbEventStore;
  return new Store(fake as unknown as EventStoreDBClient);
}

describe('EventStoreDbEventStore against a fake client', () => {
  it('given a stream of three events, when reading it from revision 1, then the client is asked from 1n and two events come', async () => {
    const fake = new FakeClient();
    for (const type of ['A', 'B', 'C']) fake.record('user-1', type);

    const later = await storeOn(fake).readStream('user-1', { fromRevision: 1 });
    const whole = await storeOn(fake).readStream('user-1');

    expect(later.map((e) => [e.revision, e.type])).toEqual([
      [1, 'B'],
      [2, 'C'],
    ]);
    expect(whole).toHaveLength(3);
    expect(fake.streamReadsFrom).toEqual([1n, 'start']);
  });

  it('given a checkpoint on an event, when reading all, then that event is not read again', async () => {
    const fake = new FakeClient();
    const first = fake.record('user-1', 'UserCreated');
    fake.record('user-1', 'UserRenamed');

    const page = await storeOn(fake).readAll({ after: first.position, maxCount: 10 });

    expect(page.map((e) => e.type)).toEqual(['UserRenamed']);
  });

  it('given pages holding only system events, when reading all, then it reads through them to the next events', async () => {
    const fake = new FakeClient();
    for (let i = 0; i < 5; i++) fake.record('$stats-127.0.0.1:2113', '$statsCollected');
    fake.record('$$user-1', '$metadata');
    fake.record('user-1', 'UserCreated');
    fake.record('user-2', 'UserCreated');
    fake.record('user-3', 'UserCreated');

    const store = storeOn(fake);
    const page = await store.readAll({ after: START_OF_ALL, maxCount: 2 });
    const next = await store.readAll({ after: page[1].position, maxCount: 2 });
    const end = await store.readAll({ after: next[0].position, maxCount: 2 });

    expect(page.map((e) => e.streamId)).toEqual(['user-1', 'user-2']);
    expect(next.map((e) => e.streamId)).toEqual(['user-3']);
    expect(end).toEqual([]);
    expect(page[0].metadata).toEqual({});
  });

  it('given the second of three writes is stale, when appending to the streams, then the first stays, the third is never tried, and the error says so', async () => {
    const fake = new FakeClient();
    fake.staleStreams.add('profile-seats-t/p');
    const write = (streamId: string) => ({
      streamId,
      events: [{ id: '00000000-0000-4000-8000-000000000001', type: 'Claimed', data: {}, metadata: {} }],
      expected: 'no_stream' as const,
    });

    const attempt = storeOn(fake).appendToStreams([write('email-x'), write('profile-seats-t/p'), write('user-1')]);

    await expect(attempt).rejects.toBeInstanceOf(StreamsPartlyAppendedError);
    await expect(attempt).rejects.toMatchObject({
      appended: ['email-x'],
      cause: { name: 'WrongExpectedRevisionError', streamId: 'profile-seats-t/p', actual: 0 },
    });
    expect(fake.appendsAsked).toEqual(['email-x', 'profile-seats-t/p']);
  });

  it('given the first write is stale, when appending to the streams, then nothing was appended and the plain concurrency error comes back', async () => {
    const fake = new FakeClient();
    fake.staleStreams.add('email-x');
    const write = (streamId: string) => ({
      streamId,
      events: [{ id: '00000000-0000-4000-8000-000000000001', type: 'Claimed', data: {}, metadata: {} }],
      expected: 'no_stream' as const,
    });

    const attempt = storeOn(fake).appendToStreams([write('email-x'), write('user-1')]);

    await expect(attempt).rejects.toMatchObject({ name: 'WrongExpectedRevisionError', streamId: 'email-x' });
    expect(fake.appendsAsked).toEqual(['email-x']);
  });

  it('given a subscriber waiting for live events, when the signal aborts, then the subscription ends', async () => {
    const fake = new FakeClient();
    const first = fake.record('user-1', 'UserCreated');
    fake.record('user-1', 'UserRenamed');
    const controller = new AbortController();
    const received: string[] = [];

    const consuming = (async () => {
      for await (const e of storeOn(fake).subscribeToAll({ after: first.position, signal: controller.signal })) {
        received.push(e.type);
      }
    })();
    // Waiting for what each step does, not for a time that a loaded machine may outlast.
    await until(async () => fake.live.size === 1 && received.length === 1, 5000, 'the subscription to deliver the past and go live');
    fake.record('user-1', 'UserDeactivated');
    await until(async () => received.length === 2, 5000, 'the live event');
    controller.abort();

    await consuming;
    expect(received).toEqual(['UserRenamed', 'UserDeactivated']);
    expect(fake.live.size).toBe(0);
  });
});
