import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldProfileSeats, ProfileSeatEvent } from '@scim-ledger/domain';
import { EventStore, PostgresEventStore, ReadStreamOptions, RecordedEvent, SqliteEventStore } from '@scim-ledger/event-store';
import { createFreshPostgresDatabase, FreshPostgresDatabase } from '../../../../../libs/event-store/src/postgres/fresh-postgres-database';
import { AppConfig } from '@scim-ledger/platform';
import { PROFILE_SEATS } from '../profile-seats/profile-seats.service';
import { DecidedStreams, StreamKind } from './decided-streams';

/** A kind whose state is every event's number in order: a fold that skipped, repeated or reordered one shows. */
interface Numbered {
  readonly type: 'Numbered';
  readonly data: { readonly n: number };
}
const NUMBERED: StreamKind<readonly number[], Numbered> = {
  isEvent: (event) => event.type === 'Numbered',
  fold: (events, state = []) => [...state, ...events.map((e) => e.data.n)],
  schemaVersions: { Numbered: 1 },
};
const metadata = {
  tenantId: 't1',
  actor: { kind: 'system' as const, id: 'test' },
  requestId: 'r',
  userAgent: null,
  clientAddress: null,
  now: '2026-12-02T00:00:00.000Z',
};
const withCache = (size: number) => ({ streamStateCacheSize: size }) as AppConfig;

/** The store with every event readStream returns counted. */
function counted(store: EventStore): { store: EventStore; read: RecordedEvent[] } {
  const read: RecordedEvent[] = [];
  const real = store.readStream.bind(store);
  store.readStream = async (streamId: string, options?: ReadStreamOptions) => {
    const events = await real(streamId, options);
    read.push(...events);
    return events;
  };
  return { store, read };
}

const backends: Array<[string, () => Promise<{ open: () => Promise<EventStore>; drop: () => Promise<void> }>]> = [
  [
    'sqlite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'scim-ledger-folds-'));
      return { open: async () => SqliteEventStore.open({ file: join(dir, 'events.sqlite') }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    'postgres',
    async () => {
      const database: FreshPostgresDatabase = await createFreshPostgresDatabase('scim_ledger_folds');
      return { open: () => PostgresEventStore.open({ connectionString: database.url }), drop: () => database.drop() };
    },
  ],
];

describe.each(backends)('DecidedStreams keeping folds on %s', (_name, storage) => {
  let drop: () => Promise<void>;
  /** This process's store, counted, and another process's on the same database. */
  let ours: { store: EventStore; read: RecordedEvent[] };
  let theirs: EventStore;
  beforeAll(async () => {
    const opened = await storage();
    drop = opened.drop;
    ours = counted(await opened.open());
    theirs = await opened.open();
  });
  afterAll(async () => {
    await Promise.all([ours?.store.close(), theirs?.close()]);
    await drop?.();
  });

  const numbered = (n: number) => ({
    id: randomUUID(),
    type: 'Numbered',
    data: { n },
    metadata: { occurredAt: `2026-12-02T00:00:${String(n % 60).padStart(2, '0')}.000Z` },
  });

  it('given appends from this process and another interleaved, when loading after each, then the kept fold equals a whole fold and every event is read once', async () => {
    const streams = new DecidedStreams(ours.store, withCache(100));
    const whole = new DecidedStreams(theirs, withCache(0));
    const streamId = `numbers-${randomUUID()}`;
    let n = 0;
    for (let round = 0; round < 40; round++) {
      const count = 1 + (round % 4);
      const events = Array.from({ length: count }, () => ({ type: 'Numbered' as const, data: { n: n++ } }));
      // Even rounds write through the caching instance, odd ones through the other process's store.
      if (round % 2 === 0) await streams.append(streamId, NUMBERED, events, round === 0 ? 'no_stream' : n - count - 1, metadata);
      else
        await theirs.append(
          streamId,
          events.map((e) => numbered(e.data.n)),
          n - count - 1,
        );
      ours.read.length = 0;

      const loaded = await streams.load(streamId, NUMBERED);

      expect(loaded).toEqual(await whole.load(streamId, NUMBERED));
      expect(ours.read.map((e) => e.revision)).toEqual(Array.from({ length: count }, (_, i) => n - count + i));
    }
    expect((await streams.load(streamId, NUMBERED)).state).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('given a profile seat stream taken and released by two processes, when loading after each, then the kept seats equal a whole fold', async () => {
    const streams = new DecidedStreams(ours.store, withCache(100));
    const streamId = `profile-seats-t/${randomUUID()}`;
    const holders: string[] = [];
    let revision = -1;
    for (let i = 0; i < 30; i++) {
      const release = i % 3 === 2;
      const userId = release ? holders.shift()! : `u${i}`;
      if (!release) holders.push(userId);
      const event: ProfileSeatEvent = release
        ? { type: 'ProfileSeatReleased', data: { profileId: 'p', userId, seatsInUse: holders.length } }
        : { type: 'ProfileSeatTaken', data: { profileId: 'p', userId, takenAt: metadata.now, seatsInUse: holders.length } };
      const store = i % 2 === 0 ? ours.store : theirs;
      revision = (await store.append(streamId, [{ id: randomUUID(), type: event.type, data: event.data, metadata: {} }], revision < 0 ? 'no_stream' : revision))
        .nextExpectedRevision;

      const kept = (await streams.load(streamId, PROFILE_SEATS)).state;

      const all = (await theirs.readStream(streamId)).map((e) => e as unknown as ProfileSeatEvent);
      expect(kept).toEqual(foldProfileSeats(all));
      expect([...kept.holders!.keys()]).toEqual(holders);
    }
  });

  it('given a load in flight, when its stream is dropped meanwhile, then the fold it read is not kept', async () => {
    const streams = new DecidedStreams(ours.store, withCache(100));
    const streamId = `numbers-${randomUUID()}`;
    await ours.store.append(streamId, [numbered(0)], 'no_stream');

    const inFlight = streams.load(streamId, NUMBERED);
    streams.dropFolded(streamId);

    expect((await inFlight).state).toEqual([0]);
    expect(streams.keptFold(streamId)).toBeUndefined();
    await streams.load(streamId, NUMBERED);
    expect(streams.keptFold(streamId)).toMatchObject({ state: [0], revision: 0 });
  });

  it('given room for three folds, when five streams are loaded, then only the three used last are kept', async () => {
    const streams = new DecidedStreams(ours.store, withCache(3));
    const ids = Array.from({ length: 5 }, () => `numbers-${randomUUID()}`);
    for (const id of ids) await ours.store.append(id, [numbered(1)], 'no_stream');

    for (const id of ids) await streams.load(id, NUMBERED);

    expect(ids.map((id) => streams.keptFold(id) !== undefined)).toEqual([false, false, true, true, true]);
  });
});
