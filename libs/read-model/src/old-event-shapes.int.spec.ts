import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { eventMetadata, userStreamId } from '@scim-ledger/domain';
import { SqliteEventStore } from '@scim-ledger/event-store';
import { createFreshPostgresDatabase, FreshPostgresDatabase } from '../../event-store/src/postgres/fresh-postgres-database';
import { ReadModelProjector } from './projector';
import { openReadModel, ReadModelDatabase } from './read-model.data-source';
import { ScimUserRow } from './users/scim-user.row';
import { readModelDifferences, rebuildReadModel } from './verification';

/*
 * Issue 18, item 2: the read model rebuilds across the change of the user
 * events' shape. A live read model projected before the change had no
 * attributes column; the new version's schema adds it (every row '{}'), and
 * `verify` against a rebuild from the same old-shape events finds nothing.
 */
interface StoredFixtureEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: { readonly schemaVersion: number; readonly occurredAt: string };
}
const fixture = JSON.parse(readFileSync(join(__dirname, '../../domain/src/user/fixtures/user-stream-before-issue-18.json'), 'utf8')) as {
  events: StoredFixtureEvent[];
  placedUser: { events: StoredFixtureEvent[] };
};

/** Appends a fixture stream with the schema versions it was written with, not the current ones. */
async function appendAsWritten(store: SqliteEventStore, events: readonly StoredFixtureEvent[]): Promise<void> {
  const streamId = userStreamId(String(events[0].data.userId));
  for (const [i, event] of events.entries()) {
    const metadata = eventMetadata(
      {
        tenantId: 'acme',
        actor: { kind: 'scim-token', id: 'token-1' },
        requestId: `req-${i}`,
        userAgent: 'test',
        clientAddress: '10.0.0.1',
        now: event.metadata.occurredAt,
      },
      event.metadata.schemaVersion,
    );
    await store.append(streamId, [{ id: randomUUID(), type: event.type, data: event.data, metadata: { ...metadata } }], 'any');
  }
}

describe.each(['sqlite', 'postgres'] as const)('a read model of user events written before issue 18, on %s', (kind) => {
  let dir: string;
  let store: SqliteEventStore;
  const databases: FreshPostgresDatabase[] = [];
  const opened: DataSource[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scim-ledger-old-shapes-'));
    store = SqliteEventStore.open({ file: join(dir, 'events.sqlite') });
    await appendAsWritten(store, fixture.events);
    await appendAsWritten(store, fixture.placedUser.events);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
    await store.close();
    await Promise.all(databases.splice(0).map((db) => db.drop()));
    rmSync(dir, { recursive: true, force: true });
  });

  const database = async (name: string): Promise<ReadModelDatabase> => {
    if (kind === 'sqlite') return { type: 'sqlite', file: join(dir, `${name}.sqlite`) };
    const fresh = await createFreshPostgresDatabase(`scim_ledger_old_shapes_${name}`);
    databases.push(fresh);
    return { type: 'postgres', url: fresh.url };
  };
  const open = async (at: ReadModelDatabase) => {
    const readModel = await openReadModel(at);
    opened.push(readModel);
    return readModel;
  };

  it('given a live read model made before the attributes column existed, when opened by this version, then verify against a rebuild finds 0 differences', async () => {
    const liveAt = await database('live');
    const before = await open(liveAt);
    await new ReadModelProjector(before, store, { batchSize: 2 }).catchUp();
    // The table as the version before issue 18 left it: no attributes column.
    await before.query('ALTER TABLE scim_users DROP COLUMN attributes');
    await before.destroy();

    const live = await open(liveAt);
    const rebuilt = await open(await database('rebuilt'));
    await rebuildReadModel(rebuilt, store);

    expect(await readModelDifferences(live, rebuilt)).toEqual([]);
    const users = await live.getRepository(ScimUserRow).find({ order: { userName: 'ASC' } });
    expect(users.map((row) => [row.userName, row.displayName, row.status, row.attributes])).toEqual([
      ['ada.king@acme.test', 'Ada King', 'Preserved', '{}'],
      ['grace@acme.test', 'Grace Hopper', 'Preserved', '{}'],
    ]);
  });
});
