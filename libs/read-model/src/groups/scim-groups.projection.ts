import type { EntityManager } from 'typeorm';
import { EventMetadata, groupIdOfStream, groupNameKey, groupStream, userIdOfStream } from '@scim-ledger/domain';
import type { RecordedEvent } from '@scim-ledger/event-store';
import type { Projection, ProjectedBatch } from '../projection';
import { deleteByIds, insertRows, placeholders, quote, selectByIds, slices, statementSizes } from '../sql/bulk-rows';
import { tenantOfEvent } from '../tenants/deleted-tenants';
import { ScimUserRow } from '../users/scim-user.row';
import { ScimGroupMemberRow, ScimGroupRow, UserMembershipChangeRow } from './scim-group.rows';

/**
 * scim_groups and scim_group_members (rule G1). A group's row is folded over
 * the batch and written once; its memberships are written event by event, in
 * order, and only as each event's delta: a PATCH adding one member to a group
 * of 100,000 inserts one row. An event at or below the row's revision was
 * applied already (shared/STYLE.md point 8).
 *
 * A deleted tenant leaves no group, and a user deleted for good no membership
 * (rule L10): members are inserted only while their user has a row, and a
 * user's deletion for good removes its rows, in event order, so a batch of
 * any size leaves what one event per batch would.
 *
 * Each membership change is also a row per member in user_membership_changes
 * (rule G2), with the group's display name of that moment, for the member's
 * own history; the same rules keep a user deleted for good out of it.
 */
export const scimGroupsProjection: Projection = {
  name: 'groups',
  tables: [
    { entity: ScimGroupRow, rowName: 'group' },
    { entity: ScimGroupMemberRow, rowName: 'group membership' },
    { entity: UserMembershipChangeRow, rowName: "user's membership change" },
  ],
  async project(manager: EntityManager, { events, deletedTenants, deletions }: ProjectedBatch): Promise<void> {
    const groupIds = [...new Set(events.map((e) => groupIdOfStream(e.streamId)).filter((id): id is string => id !== null))];
    const rows = new Map<string, ScimGroupRow | null>();
    for (const row of await selectByIds(manager, ScimGroupRow, groupIds)) rows.set(row.id, row);
    const changed = new Set<string>();
    for (const event of events) {
      const groupId = groupIdOfStream(event.streamId);
      if (groupId !== null) {
        const tenantId = tenantOfEvent(event);
        if (tenantId !== null && deletedTenants.has(tenantId)) continue;
        const before = rows.get(groupId) ?? null;
        const after = await projectGroupEvent(manager, before, groupId, event);
        if (after !== before) {
          rows.set(groupId, after);
          changed.add(groupId);
        }
      } else if (event.type === 'UserDeletedPermanently') {
        const userId = userIdOfStream(event.streamId);
        if (userId !== null) {
          // By tenant and user, so both deletions probe their (tenantId, userId, …) index; an event without its tenant by user alone.
          const tenantId = tenantOfEvent(event);
          const theirs = tenantId === null ? { userId } : { tenantId, userId };
          await manager.delete(ScimGroupMemberRow, theirs);
          await manager.delete(UserMembershipChangeRow, theirs);
        }
      }
    }
    await insertRows(
      manager,
      ScimGroupRow,
      [...changed].map((id) => rows.get(id)).filter((row): row is ScimGroupRow => !!row),
      'upsert-newer-revision',
    );
    await deleteByIds(
      manager,
      ScimGroupRow,
      [...changed].filter((id) => !rows.get(id)),
    );
    for (const { tenantId } of deletions) {
      await manager.delete(UserMembershipChangeRow, { tenantId });
      await manager.delete(ScimGroupMemberRow, { tenantId });
      await manager.delete(ScimGroupRow, { tenantId });
    }
  },
};

/** The group's row after one event of its stream, its membership rows written on the way. */
async function projectGroupEvent(manager: EntityManager, row: ScimGroupRow | null, groupId: string, recorded: RecordedEvent): Promise<ScimGroupRow | null> {
  if (!groupStream.events.isEvent(recorded)) return row;
  if (row && recorded.revision <= row.revision) return row;
  const event = groupStream.events.upcast(recorded);
  const at = (recorded.metadata as unknown as EventMetadata).occurredAt;
  switch (event.type) {
    case 'GroupCreated': {
      if (row) return row;
      const { tenantId, displayName, externalId, members } = event.data;
      const added = await addMembers(manager, tenantId, groupId, members);
      await recordChanges(
        manager,
        recorded,
        { tenantId, groupId, displayName },
        [...added].map((userId) => [userId, 'added']),
      );
      return {
        id: groupId,
        tenantId,
        displayName,
        displayNameLower: groupNameKey(displayName),
        externalId,
        createdAt: at,
        lastModified: at,
        revision: recorded.revision,
      };
    }
    case 'GroupChanged':
      if (!row) return null;
      return {
        ...row,
        displayName: event.data.displayName,
        displayNameLower: groupNameKey(event.data.displayName),
        externalId: event.data.externalId,
        lastModified: at,
        revision: recorded.revision,
      };
    case 'GroupMembersChanged': {
      if (!row) return null;
      await removeMembers(manager, groupId, event.data.removed);
      const added = await addMembers(manager, row.tenantId, groupId, event.data.added);
      // A removed id whose user is gone for good leaves no trace either (rule L10).
      const removed = await usersWithRows(manager, row.tenantId, event.data.removed);
      await recordChanges(manager, recorded, { tenantId: row.tenantId, groupId, displayName: row.displayName }, [
        ...[...added].map((userId): [string, MembershipChangeKind] => [userId, 'added']),
        ...[...removed].map((userId): [string, MembershipChangeKind] => [userId, 'removed']),
      ]);
      return { ...row, lastModified: at, revision: recorded.revision };
    }
    case 'GroupDeleted':
      if (row) {
        const members: { userId: string }[] = await manager.find(ScimGroupMemberRow, { select: { userId: true }, where: { groupId } });
        await recordChanges(
          manager,
          recorded,
          { tenantId: row.tenantId, groupId, displayName: row.displayName },
          members.map(({ userId }) => [userId, 'group_deleted']),
        );
        await manager.delete(ScimGroupMemberRow, { groupId });
      }
      return null;
    default: {
      const unknown: never = event;
      throw new Error(`unprojected event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Only users of the tenant that have a row become members: one deleted for good in between leaves none (rule L10). Those added. */
async function addMembers(manager: EntityManager, tenantId: string, groupId: string, userIds: readonly string[]): Promise<Set<string>> {
  const existing = await usersWithRows(manager, tenantId, userIds);
  const rows = userIds.filter((userId) => existing.has(userId)).map((userId) => ({ groupId, userId, tenantId }));
  await insertRows(manager, ScimGroupMemberRow, rows, 'ignore-duplicates');
  return existing;
}

/** Which of these ids are users of the tenant with a row. */
async function usersWithRows(manager: EntityManager, tenantId: string, userIds: readonly string[]): Promise<Set<string>> {
  const existing = new Set<string>();
  if (userIds.length === 0) return existing;
  const users = manager.connection.getMetadata(ScimUserRow);
  const column = (property: string) => quote(users.findColumnWithPropertyName(property)!.databaseName);
  for (const chunk of slices(userIds, statementSizes(userIds.length, 1024))) {
    const found: { id: string }[] = await manager.query(
      `SELECT ${column('id')} AS "id" FROM ${quote(users.tableName)} WHERE ${column('tenantId')} = ${placeholders(manager, 1, 1)} AND ${column('id')} IN (${placeholders(manager, 2, chunk.length)})`,
      [tenantId, ...chunk],
    );
    for (const user of found) existing.add(user.id);
  }
  return existing;
}

type MembershipChangeKind = 'added' | 'removed' | 'group_deleted';

/** One row per member this group event changed, with the event's who, when and request (rules G2, S1). */
async function recordChanges(
  manager: EntityManager,
  recorded: RecordedEvent,
  group: { readonly tenantId: string; readonly groupId: string; readonly displayName: string },
  changes: readonly (readonly [userId: string, change: MembershipChangeKind])[],
): Promise<void> {
  if (changes.length === 0) return;
  const metadata = recorded.metadata as Partial<EventMetadata>;
  const rows: UserMembershipChangeRow[] = changes.map(([userId, change]) => ({
    streamId: recorded.streamId,
    streamRevision: recorded.revision,
    userId,
    tenantId: group.tenantId,
    groupId: group.groupId,
    groupDisplayName: group.displayName,
    change,
    eventType: recorded.type,
    occurredAt: metadata.occurredAt ?? '',
    actorKind: metadata.actor?.kind ?? 'unknown',
    actorId: metadata.actor?.id ?? 'unknown',
    requestId: metadata.requestId ?? null,
    userAgent: metadata.userAgent ?? null,
    clientAddress: metadata.clientAddress ?? null,
  }));
  await insertRows(manager, UserMembershipChangeRow, rows, 'ignore-duplicates');
}

async function removeMembers(manager: EntityManager, groupId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const members = manager.connection.getMetadata(ScimGroupMemberRow);
  const column = (property: string) => quote(members.findColumnWithPropertyName(property)!.databaseName);
  for (const chunk of slices(userIds, statementSizes(userIds.length, 1024))) {
    await manager.query(
      `DELETE FROM ${quote(members.tableName)} WHERE ${column('groupId')} = ${placeholders(manager, 1, 1)} AND ${column('userId')} IN (${placeholders(manager, 2, chunk.length)})`,
      [groupId, ...chunk],
    );
  }
}
