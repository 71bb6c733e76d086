import { randomUUID } from 'node:crypto';
import { describeEventStoreContract } from '../event-store.contract';
import { EventStoreUnavailableError, EventToAppend, RecordedEvent } from '../event-store.port';
import { createFreshPostgresDatabase, FreshPostgresDatabase } from './fresh-postgres-database';
import { PostgresEventStore } from './postgres-event-store';
import { until } from '../../../../test/support/polling';

const databases: FreshPostgresDatabase[] = [];
async function freshDatabase(): Promise<FreshPostgresDatabase> {
  const database = await createFreshPostgresDatabase('scim_ledger_es');
  databases.push(database);
  return database;
}
afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

describeEventStoreContract('postgres', async () => PostgresEventStore.open({ connectionString: (await freshDatabase()).url }));

describe('PostgresEventStore beyond the contract', () => {
  const event = (type: string): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata: {} });

  it('given several processes starting on an empty database at once, then each creates or finds the schema', async () => {
    const { url } = await freshDatabase();

    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresEventStore.open({ connectionString: url })));

    try {
      // Each store works on the one schema: what each appends, every other reads.
      await Promise.all(stores.map((store, i) => store.append(`opened-${i}`, [{ id: randomUUID(), type: 'Opened', data: { i }, metadata: {} }], 'no_stream')));
      for (const store of stores) {
        expect(await Promise.all(stores.map(async (_, i) => (await store.readStream(`opened-${i}`)).map((event) => event.data)))).toEqual(
          stores.map((_, i) => [{ i }]),
        );
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('given concurrent appends with any to one stream, when they collide, then all are retried and land in order', async () => {
    const store = await PostgresEventStore.open({ connectionString: (await freshDatabase()).url });
    try {
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.append('user-any', [event(`E${i}`)], 'any')));

      expect((await store.readStream('user-any')).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await store.close();
    }
  });

  it('given two processes group-committing appends with any to the same streams, when their groups collide, then every event lands once, in revision order', async () => {
    const { url } = await freshDatabase();
    const stores = await Promise.all([0, 1].map(() => PostgresEventStore.open({ connectionString: url })));
    try {
      // 40 appends per process over 4 streams: groups of many appends race for the same revisions.
      await Promise.all(stores.flatMap((store, s) => Array.from({ length: 40 }, (_, i) => store.append(`user-g${i % 4}`, [event(`P${s}-${i}`)], 'any'))));

      for (let g = 0; g < 4; g++) {
        const stream = await stores[0].readStream(`user-g${g}`);
        expect(stream.map((e) => e.revision)).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(new Set(stream.map((e) => e.type)).size).toBe(20);
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  // Within 30 s, under the 60 s poll interval: only a notification wakes the subscriber in time; a loaded machine needs the margin.
  it('given a subscriber in another process, when an append commits, then a notification wakes it before the poll interval', async () => {
    const { url } = await freshDatabase();
    const subscriberSide = await PostgresEventStore.open({ connectionString: url, pollIntervalMs: 60_000 });
    const writerSide = await PostgresEventStore.open({ connectionString: url });
    const controller = new AbortController();
    try {
      const received: RecordedEvent[] = [];
      const consuming = (async () => {
        for await (const e of subscriberSide.subscribeToAll({ signal: controller.signal })) {
          received.push(e);
          if (e.type === 'Second') controller.abort();
        }
      })();
      await writerSide.append('user-1', [event('First')], 'no_stream');
      await until(async () => received.length === 1, 5000, 'the first event to arrive');
      await writerSide.append('user-1', [event('Second')], 0);

      await consuming;
      expect(received.map((e) => e.type)).toEqual(['First', 'Second']);
    } finally {
      controller.abort();
      await Promise.all([subscriberSide.close(), writerSide.close()]);
    }
  }, 30_000);

  it('given no server at the address, when opening, then it fails with the unavailable error', async () => {
    await expect(PostgresEventStore.open({ connectionString: 'postgres://postgres@127.0.0.1:1/nothing' })).rejects.toBeInstanceOf(EventStoreUnavailableError);
  });
});
