import { EntityManager, In } from 'typeorm';
import { userIdOfStream, userStreamId } from '@scim-ledger/domain';
import type { Projection, ProjectedBatch } from '../projection';
import { insertRows, placeholders, quote, slices, statementSizes } from '../sql/bulk-rows';
import { keepsAuditEntry } from '../tenants/deleted-tenants';
import { auditEntryFor } from './audit-entry.projection';
import { AuditEntryRow } from './audit-entry.row';

export const REDACTED_AUDIT_DATA = JSON.stringify({ redacted: 'the user was deleted for good (rule L10)' });

/**
 * What an entry of a user deleted for good keeps of its data: the marker, and
 * no address digest. A digest of a known address confirms it (README,
 * "Personal data"), so it goes when the data it was taken from can no longer
 * be read; a search by the address then finds none of the user's entries.
 */
const FORGOTTEN = { data: REDACTED_AUDIT_DATA, addressDigest: null, emailDigest: null } as const;

/**
 * The audit trail (rules S1-S3): one entry per event, but none for a deleted
 * tenant's events other than its deletion's own trail, and no readable
 * personal data for a user deleted for good (rule L10), also in entries
 * recorded after its deletion (the refusal of a PATCH its IdP still sent),
 * whichever batch holds them.
 */
export const auditTrailProjection: Projection = {
  name: 'audit trail',
  // An entry's id is the database's serial: a rebuild numbers entries anew, their stream and revision name them.
  tables: [
    {
      entity: AuditEntryRow,
      rowName: 'audit entry',
      verifiedAs: ({ id: _id, ...entry }: AuditEntryRow) => [`${entry.streamId}@${entry.streamRevision}`, entry] as const,
    },
  ],
  async project(manager: EntityManager, { events, deletedTenants, userRows }: ProjectedBatch): Promise<void> {
    const entries = events
      .filter((event) => keepsAuditEntry(event, deletedTenants))
      .map(auditEntryFor)
      .filter((entry) => entry !== null);
    const deletedForGood = new Set(
      events
        .filter((e) => e.type === 'UserDeletedPermanently')
        .map((e) => userIdOfStream(e.streamId))
        .filter((id) => id !== null),
    );
    const rowless = new Set(entries.map((entry) => entry.userId).filter((id): id is string => id !== null && !userRows.get(id) && !deletedForGood.has(id)));
    const deletedBefore = await usersDeletedForGood(manager, [...rowless]);
    const redacted = entries.map((entry) => (entry.userId !== null && deletedBefore.has(entry.userId) ? { ...entry, ...FORGOTTEN } : entry));
    await insertRows(manager, AuditEntryRow, redacted, 'ignore-duplicates');
    if (deletedForGood.size > 0) await manager.update(AuditEntryRow, { userId: In([...deletedForGood]) }, FORGOTTEN);
  },
};

/** Which of these users were deleted for good: their UserDeletedPermanently is in the trail (kept for every deletion). */
async function usersDeletedForGood(manager: EntityManager, userIds: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (userIds.length === 0) return found;
  const metadata = manager.connection.getMetadata(AuditEntryRow);
  const column = (property: string) => quote(metadata.findColumnWithPropertyName(property)!.databaseName);
  // By stream: the unique (stream, revision) index answers it, also while a rebuild runs without the others.
  for (const chunk of slices(userIds, statementSizes(userIds.length, 1024))) {
    const rows: { streamId: string }[] = await manager.query(
      `SELECT ${column('streamId')} AS "streamId" FROM ${quote(metadata.tableName)} WHERE ${column('eventType')} = ${placeholders(manager, 1, 1)} AND ${column('streamId')} IN (${placeholders(manager, 2, chunk.length)})`,
      ['UserDeletedPermanently', ...chunk.map(userStreamId)],
    );
    for (const row of rows) {
      const userId = userIdOfStream(row.streamId);
      if (userId !== null) found.add(userId);
    }
  }
  return found;
}
