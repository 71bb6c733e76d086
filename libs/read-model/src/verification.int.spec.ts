import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { eventMetadata, userStreamId } from '@scim-ledger/domain';
import { SqliteEventStore } from '@scim-ledger/event-store';
import { openReadModel } from './read-model.data-source';
import { ScimUserRow } from './users/scim-user.row';
import { StorageRow } from './tenants/tenant.rows';
import { readModelDifferences, rebuildReadModel } from './verification';
import { TIMEOUTS } from '../../../test/support/timeouts';

describe('read model verification', () => {
  let dir: string;
  let store: SqliteEventStore;
  let live: DataSource;
  let rebuilt: DataSource;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scim-ledger-verify-'));
    store = SqliteEventStore.open({ file: join(dir, 'events.sqlite') });
    live = await openReadModel({ type: 'sqlite', file: join(dir, 'live.sqlite') });
    rebuilt = await openReadModel({ type: 'sqlite', file: join(dir, 'rebuilt.sqlite') });
    // Schema version 1, as stored before v2 existed: upcast on read.
    const created = {
      type: 'UserCreated',
      data: {
        userId: 'u1',
        tenantId: 't1',
        userName: 'a@example.com',
        email: 'a@example.com',
        displayName: 'A',
        givenName: null,
        familyName: null,
        externalId: null,
        userPrincipalName: null,
      },
    };
    const metadata = eventMetadata(
      { tenantId: 't1', actor: { kind: 'system', id: 'test' }, requestId: 'r1', userAgent: null, clientAddress: null, now: '2026-11-23T00:00:00.000Z' },
      1,
    );
    await store.append(userStreamId('u1'), [{ id: randomUUID(), type: created.type, data: created.data, metadata: { ...metadata } }], 'no_stream');
    await rebuildReadModel(live, store);
    await rebuildReadModel(rebuilt, store);
  }, TIMEOUTS.appStart);
  afterEach(async () => {
    await Promise.all([live.destroy(), rebuilt.destroy(), store.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('given a live model built from the same events, when compared, then there is nothing to report', async () => {
    expect(await readModelDifferences(live, rebuilt)).toEqual([]);
  });

  it('given a live row edited behind the events, when compared, then the field is reported', async () => {
    await live.getRepository(ScimUserRow).update({ id: 'u1' }, { displayName: 'Tampered' });
    expect(await readModelDifferences(live, rebuilt)).toEqual(['user u1: displayName is "Tampered", the events say "A"']);
  });

  it('given a row the events never made, when compared, then it is reported as extra', async () => {
    const row = await live.getRepository(ScimUserRow).findOneByOrFail({ id: 'u1' });
    await live.getRepository(ScimUserRow).insert({ ...row, id: 'ghost' });
    expect(await readModelDifferences(live, rebuilt)).toEqual(['user ghost: in the live read model but not in the events']);
  });

  it("given a row of the tenants' tables the events never made, when compared, then verify reports it like any projection's row", async () => {
    // Given
    await live.getRepository(StorageRow).insert({ id: 'ghost-storage', tenantId: 't1', name: 'Ghost', region: 'eu', health: 'healthy' });
    // When
    const differences = await readModelDifferences(live, rebuilt);
    // Then
    expect(differences).toEqual(['storage ghost-storage/t1: in the live read model but not in the events']);
  });
});
