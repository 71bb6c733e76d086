import { PassThrough, Readable } from 'node:stream';
import type { AllStreamRecordedEvent, EventStoreDBClient, Position, ReadPosition } from '@eventstore/db-client';
import { START_OF_ALL } from '../event-store.port';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

/*
 * No EventStoreDB server runs here, so this checks only the adapter's own
 * logic against a fake of the client's read calls: inclusive fromPosition,
 * system events, and ending a subscription on abort. The contract suite
 * (eventstoredb-event-store.int.spec.ts) is the real test.
 */
class FakeClient {
  readonly log: AllStreamRecordedEvent[] = [];
  readonly live = new Set<PassThrough>();

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
    return Readable.from(this.log.filter((e) => e.position.commit >= from).slice(0, maxCount).map((event) => ({ event })));
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
    await new Promise((resolve) => setTimeout(resolve, 20));
    fake.record('user-1', 'UserDeactivated');
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();

    await consuming;
    expect(received).toEqual(['UserRenamed', 'UserDeactivated']);
    expect(fake.live.size).toBe(0);
  });
});
