import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { comparePositions, EventToAppend, ExpectedRevision, GlobalPosition, RecordedEvent, START_OF_ALL } from '../event-store.port';
import { createFreshPostgresDatabase, FreshPostgresDatabase } from './fresh-postgres-database';
import { PostgresEventStore } from './postgres-event-store';
import { TIMEOUTS } from '../../../../test/support/timeouts';

/*
 * The port's rule: a reader of all events never skips an event whose
 * transaction commits after a later position became visible.
 */
describe('PostgresEventStore: readers of all events under concurrent appends', () => {
  let database: FreshPostgresDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createFreshPostgresDatabase('scim_ledger_es_readers');
    store = await PostgresEventStore.open({ connectionString: database.url });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const event = (type: string): EventToAppend => ({ id: randomUUID(), type, data: { type }, metadata: {} });

  /** A reader that consumes every page it is given and keeps its checkpoint, as a projector does. */
  async function readOnFrom(reader: PostgresEventStore, checkpoint: GlobalPosition) {
    const read: RecordedEvent[] = [];
    for (;;) {
      const page = await reader.readAll({ after: checkpoint, maxCount: 64 });
      if (page.length === 0) return { read, checkpoint };
      read.push(...page);
      checkpoint = page[page.length - 1].position;
    }
  }

  it('given a transaction holding an earlier position is still open, when a later append commits, then the reader waits for it and skips nothing', async () => {
    const prefix = `slow${randomUUID().slice(0, 8)}`;
    const slowWriter = new pg.Client({ connectionString: database.url });
    await slowWriter.connect();
    try {
      await slowWriter.query('BEGIN');
      const { rows } = await slowWriter.query<{ global_position: string }>(
        `INSERT INTO events (event_id, stream_id, stream_revision, type, data, metadata)
         VALUES ($1, $2, 0, 'CommittedLast', '{}', '{}') RETURNING global_position`,
        [randomUUID(), `${prefix}-slow`],
      );
      const later = await store.append(`${prefix}-fast`, [event('CommittedFirst')], 'no_stream');
      // The setup under test: the open transaction holds the lower position.
      expect(BigInt(rows[0].global_position)).toBeLessThan(later.position.prepare);

      const whileOpen = await readOnFrom(store, START_OF_ALL);
      expect(whileOpen.read.map((e) => e.type)).not.toContain('CommittedFirst');

      await slowWriter.query('COMMIT');
      const afterCommit = await readOnFrom(store, whileOpen.checkpoint);

      const seen = [...whileOpen.read, ...afterCommit.read].filter((e) => e.streamId.startsWith(prefix));
      expect(seen.map((e) => e.type)).toEqual(['CommittedLast', 'CommittedFirst']);
    } finally {
      await slowWriter.query('ROLLBACK').catch(() => undefined);
      await slowWriter.end();
    }
  });

  it('given transaction ids of different lengths, when reading all one event at a time, then they come in numeric order', async () => {
    const prefix = `xid${randomUUID().slice(0, 8)}`;
    const writer = new pg.Client({ connectionString: database.url });
    await writer.connect();
    try {
      // Long-finished transaction ids, so both are readable at once: as text '10' < '9'.
      for (const [xid, type] of [
        ['9', 'Nine'],
        ['10', 'Ten'],
      ]) {
        await writer.query(
          `INSERT INTO events (transaction_id, event_id, stream_id, stream_revision, type, data, metadata)
           VALUES ($1::xid8, $2, $3, 0, $4, '{}', '{}')`,
          [xid, randomUUID(), `${prefix}-${type}`, type],
        );
      }
    } finally {
      await writer.end();
    }

    const seen: RecordedEvent[] = [];
    for (let checkpoint = START_OF_ALL; ;) {
      const [next] = await store.readAll({ after: checkpoint, maxCount: 1 });
      if (!next) break;
      seen.push(next);
      checkpoint = next.position;
    }

    expect(seen.filter((e) => e.streamId.startsWith(prefix)).map((e) => e.type)).toEqual(['Nine', 'Ten']);
  });

  it('given several connections appending concurrently, when a reader follows from its checkpoint, then it sees every event exactly once in (transaction, position) order', async () => {
    const prefix = `stress${randomUUID().slice(0, 8)}`;
    const writerStores = await Promise.all(Array.from({ length: 4 }, () => PostgresEventStore.open({ connectionString: database.url, poolSize: 4 })));
    const reader = await PostgresEventStore.open({ connectionString: database.url, poolSize: 2 });
    const inspector = new pg.Client({ connectionString: database.url });
    await inspector.connect();
    const appendedIds: string[] = [];
    let writersDone = false;
    try {
      const following = (async () => {
        const seen: RecordedEvent[] = [];
        let checkpoint = START_OF_ALL;
        for (;;) {
          const finalRead = writersDone;
          const page = await reader.readAll({ after: checkpoint, maxCount: 64 });
          seen.push(...page);
          if (page.length > 0) checkpoint = page[page.length - 1].position;
          else if (finalRead && !(await committedAfter(inspector, checkpoint))) return seen;
          else await sleep(1);
        }
      })();

      await Promise.all(
        Array.from({ length: 8 }, async (_, writer) => {
          const target = writerStores[writer % writerStores.length];
          let expected: ExpectedRevision = 'no_stream';
          for (let i = 0; i < 100; i++) {
            const batch = i % 10 === 0 ? [event('Batched'), event('Batched')] : [event('Single')];
            expected = (await target.append(`${prefix}-w${writer}`, batch, expected)).nextExpectedRevision;
            appendedIds.push(...batch.map((e) => e.id));
          }
        }),
      );
      writersDone = true;
      const seen = (await following).filter((e) => e.streamId.startsWith(prefix));

      const seenIds = seen.map((e) => e.id);
      expect(seenIds.length - new Set(seenIds).size).toBe(0); // read twice
      expect(new Set(seenIds)).toEqual(new Set(appendedIds));
      for (let i = 1; i < seen.length; i++) {
        expect(comparePositions(seen[i - 1].position, seen[i].position)).toBeLessThan(0);
      }
      for (let writer = 0; writer < 8; writer++) {
        const revisions = seen.filter((e) => e.streamId === `${prefix}-w${writer}`).map((e) => e.revision);
        expect(revisions).toEqual(revisions.map((_, i) => i));
      }
    } finally {
      await Promise.all([...writerStores, reader].map((s) => s.close()));
      await inspector.end();
    }
  }, 60_000);

  /**
   * Whether committed events lie beyond the checkpoint: the reader may have
   * caught up while an unrelated transaction held them back. Events skipped
   * before the checkpoint do not count, so a skipping reader still stops.
   */
  async function committedAfter(inspector: pg.Client, checkpoint: GlobalPosition): Promise<boolean> {
    const { rows } = await inspector.query<{ found: boolean }>(
      checkpoint.commit < 0n
        ? 'SELECT EXISTS (SELECT 1 FROM events) AS found'
        : 'SELECT EXISTS (SELECT 1 FROM events WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)) AS found',
      checkpoint.commit < 0n ? [] : [checkpoint.commit.toString(), checkpoint.prepare.toString()],
    );
    return rows[0].found;
  }
});
