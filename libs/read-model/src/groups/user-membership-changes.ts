import type { DataSource, EntityManager } from 'typeorm';
import type { UserMembershipChange } from '@scim-ledger/domain';
import { UserMembershipChangeRow } from './scim-group.rows';

/**
 * A user's membership changes (rule G2), oldest first, from its rows' index:
 * what its history and its state at a moment add to its own stream. Read by
 * the api and by the CLI's `replay user`; a tenant narrows them to its users.
 */
export async function userMembershipChanges(reader: DataSource | EntityManager, userId: string, tenantId?: string): Promise<UserMembershipChange[]> {
  const rows = await reader.getRepository(UserMembershipChangeRow).find({
    where: tenantId === undefined ? { userId } : { userId, tenantId },
    order: { occurredAt: 'ASC', streamId: 'ASC', streamRevision: 'ASC' },
  });
  return rows.map((row) => ({
    groupId: row.groupId,
    groupDisplayName: row.groupDisplayName,
    change: row.change as UserMembershipChange['change'],
    streamId: row.streamId,
    revision: row.streamRevision,
    eventType: row.eventType,
    occurredAt: row.occurredAt,
    actor: { kind: row.actorKind, id: row.actorId },
    userAgent: row.userAgent,
    clientAddress: row.clientAddress,
    requestId: row.requestId,
  }));
}
