import type { EntityManager } from 'typeorm';
import type { Projection, ProjectedBatch } from '../projection';
import { deleteByIds, insertRows, selectByIds } from '../sql/bulk-rows';
import { withoutPersonalData } from '../tenants/deleted-tenants';
import { ScimUserRow } from './scim-user.row';
import { userIdOfStream } from '@scim-ledger/domain';
import { projectUserEvent } from './users.projection';

/**
 * Inserts or replaces users' rows, each only over a row of an earlier stream
 * revision: a writer that folded a stream before another committed a later
 * revision of it never writes its older state back (a stale read after a 2xx).
 */
export async function writeUserRows(manager: EntityManager, rows: readonly ScimUserRow[]): Promise<void> {
  await insertRows(manager, ScimUserRow, rows, 'upsert-newer-revision');
}

/** scim_users: each user's row folded over the batch, read once and written once per batch. */
export const usersTableProjection: Projection = {
  name: 'users',
  tables: [{ entity: ScimUserRow, rowName: 'user' }],
  async project(manager: EntityManager, { events, deletedTenants, userRows }: ProjectedBatch): Promise<void> {
    const userIds = [...new Set(events.map((e) => userIdOfStream(e.streamId)).filter((id): id is string => id !== null))];
    for (const row of await selectByIds(manager, ScimUserRow, userIds)) userRows.set(row.id, row);
    const changed = new Set<string>();
    for (const event of events) {
      const userId = userIdOfStream(event.streamId);
      if (userId === null) continue;
      const before = userRows.get(userId) ?? null;
      const projected = projectUserEvent(before, event);
      // A create that had read the tenant just before its deletion still lands; the deletion finds it by id.
      const after = projected && projected !== before && deletedTenants.has(projected.tenantId) ? withoutPersonalData(projected) : projected;
      if (after !== before) {
        userRows.set(userId, after);
        changed.add(userId);
      }
    }
    const saved = [...changed].map((id) => userRows.get(id)).filter((row): row is ScimUserRow => !!row);
    const removed = [...changed].filter((id) => !userRows.get(id));
    await writeUserRows(manager, saved);
    await deleteByIds(manager, ScimUserRow, removed);
  },
};
