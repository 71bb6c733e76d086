import { EntityManager } from 'typeorm';
import { TenantEvent, tenantIdOfStream, tenantStream } from '@scim-ledger/domain';
import { RecordedEvent } from '@scim-ledger/event-store';
import { ScimTokenRow } from './scim-token.row';
import { ApiCredentialRow, ProfileRow, ScimMappingRow, StorageRow, TenantRow } from './tenant.rows';

/**
 * Applies one tenant event to the admin tables inside the projector's
 * transaction. Tenant events are few (settings, tokens), so each is applied
 * with plain statements. Every one first claims its revision on the tenant
 * row (one conditional UPDATE): a redelivered or older event claims nothing
 * and writes nothing, and on PostgreSQL a second writer of the same tenant
 * waits on that row and then finds it claimed, instead of inserting the same
 * storage or credential again (a duplicate key that paused the projection).
 */
export async function projectTenantEvent(manager: EntityManager, recorded: RecordedEvent): Promise<void> {
  const tenantId = tenantIdOfStream(recorded.streamId);
  if (tenantId === null || !tenantStream.events.isEvent(recorded)) return;
  // Through the stream's module, so an event of an older version reads as its upcaster says.
  const event = tenantStream.events.upcast(recorded);
  const occurredAt = String((recorded.metadata as { occurredAt?: unknown }).occurredAt ?? '');
  if (event.type === 'TenantCreated') {
    // Revision -1 until claimed below: the row must exist for the claim.
    await manager
      .createQueryBuilder()
      .insert()
      .into(TenantRow)
      .values({ id: tenantId, name: event.data.name, userManagement: event.data.userManagement, createdAt: occurredAt, revision: -1 })
      .orIgnore()
      .execute();
  }
  if (!(await claimRevision(manager, tenantId, recorded.revision))) return;
  await applyTenantEvent(manager, tenantId, event);
}

/**
 * Moves the tenant row to `revision` if it is behind it; false when the row
 * is already there or past it (applied before), or gone (the tenant was
 * deleted: nothing of it is projected any more).
 */
async function claimRevision(manager: EntityManager, tenantId: string, revision: number): Promise<boolean> {
  const result = await manager
    .createQueryBuilder()
    .update(TenantRow)
    .set({ revision })
    .where('id = :tenantId AND revision < :revision', { tenantId, revision })
    .execute();
  return (result.affected ?? 0) > 0;
}

/** Inserts that keep the row already there: a second delivery of the same event changes nothing. */
async function insertOnce<T extends object>(manager: EntityManager, entity: new () => T, row: T): Promise<void> {
  await manager.createQueryBuilder().insert().into(entity).values(row).orIgnore().execute();
}

async function applyTenantEvent(manager: EntityManager, tenantId: string, event: TenantEvent): Promise<void> {
  switch (event.type) {
    case 'TenantCreated':
      // Inserted before the claim (projectTenantEvent).
      return;
    case 'TenantRenamed':
      await manager.update(TenantRow, { id: tenantId }, { name: event.data.name });
      return;
    case 'TenantDeleted':
      // Nothing of the tenant stays here; the projector also clears its audit trail (see applyIn). Its
      // users' rows go with the UserDeletedPermanently events the deletion appends for each of them.
      for (const entity of [ScimTokenRow, ApiCredentialRow, StorageRow, ProfileRow, ScimMappingRow]) await manager.delete(entity, { tenantId });
      await manager.delete(TenantRow, { id: tenantId });
      return;
    case 'LicenceLimitsSet':
      await manager.update(TenantRow, { id: tenantId }, { ...event.data });
      return;
    case 'UserManagementSwitchedToScim':
      await manager.update(TenantRow, { id: tenantId }, { userManagement: 'scim' });
      return;
    case 'UserManagementSwitchedToAdLdap':
      await manager.update(TenantRow, { id: tenantId }, { userManagement: 'ad_ldap' });
      return;
    case 'UserManagementSwitchedFromScim':
      await manager.update(TenantRow, { id: tenantId }, { userManagement: event.data.to });
      // The SCIM token stops working at once (see the event's decision).
      await manager.delete(ScimTokenRow, { tenantId });
      return;
    case 'ScimTokenGenerated':
    case 'ScimTokenRotated':
      // Rule T2: one token at a time; the previous one is invalid at once.
      await manager.delete(ScimTokenRow, { tenantId });
      await insertOnce(manager, ScimTokenRow, {
        tokenHash: event.data.tokenHash,
        tokenId: event.data.tokenId,
        tenantId,
        createdAt: event.data.createdAt,
        expiresAt: event.data.expiresAt,
        lastUsedAt: null,
      });
      return;
    case 'ScimTokenUsed':
      await manager.update(ScimTokenRow, { tenantId, tokenId: event.data.tokenId }, { lastUsedAt: event.data.usedAt });
      return;
    case 'ScimTokenExpiryReminderDue':
    case 'ScimTokenExpiryReminderDelivered':
    case 'ScimTokenExpiryReminderDeliveryFailed':
    case 'ScimTokenExpiryReminderRetried':
      // Recorded in the audit trail; the notifier sends the mail and decides retries on the tenant's stream.
      return;
    case 'NotificationContactsSet':
      // The admin API reads them from the tenant's folded stream (TenantCommands.load), like the notifier: no table.
      return;
    case 'ApiCredentialIssued':
      await insertOnce(manager, ApiCredentialRow, {
        id: event.data.credentialId,
        tenantId,
        clientId: event.data.clientId,
        secretHash: event.data.secretHash,
        name: event.data.name,
        issuedAt: event.data.issuedAt,
        revokedAt: null,
      });
      return;
    case 'ApiCredentialRevoked':
      await manager.update(ApiCredentialRow, { id: event.data.credentialId, tenantId }, { revokedAt: event.data.revokedAt });
      return;
    case 'StorageAdded':
      await insertOnce(manager, StorageRow, {
        id: event.data.storageId,
        tenantId,
        name: event.data.name,
        region: event.data.region,
        health: event.data.health,
      });
      return;
    case 'StorageHealthChanged':
      await manager.update(StorageRow, { id: event.data.storageId, tenantId }, { health: event.data.health });
      return;
    case 'ProfileCreated':
    case 'ProfileChanged': {
      const { profileId, storageIds, ...configuration } = event.data;
      await manager.save(ProfileRow, { id: profileId, tenantId, ...configuration, storageIds: JSON.stringify(storageIds) });
      return;
    }
    case 'ScimMappingAdded': {
      const position = await manager.countBy(ScimMappingRow, { tenantId });
      const { mappingId, filter, quota, ...configuration } = event.data;
      await insertOnce(manager, ScimMappingRow, {
        id: mappingId,
        tenantId,
        position,
        ...configuration,
        attribute: filter.attribute,
        filterValues: JSON.stringify(filter.values),
        quotaAmount: quota.amount,
        quotaUnit: quota.unit,
      });
      return;
    }
    case 'ScimMappingChanged': {
      const { mappingId, quota, ...configuration } = event.data;
      await manager.update(ScimMappingRow, { id: mappingId, tenantId }, { ...configuration, quotaAmount: quota.amount, quotaUnit: quota.unit });
      return;
    }
    case 'ScimMappingsReordered':
      for (const [position, id] of event.data.orderedIds.entries()) await manager.update(ScimMappingRow, { id, tenantId }, { position });
      return;
    case 'ScimMappingRemoved': {
      await manager.delete(ScimMappingRow, { id: event.data.mappingId, tenantId });
      // Close the gap so positions stay 0..n-1.
      const rest = await manager.find(ScimMappingRow, { where: { tenantId }, order: { position: 'ASC' } });
      for (const [position, row] of rest.entries()) if (row.position !== position) await manager.update(ScimMappingRow, { id: row.id }, { position });
      return;
    }
    default: {
      const unknown: never = event;
      throw new Error(`unprojected tenant event ${JSON.stringify(unknown)}`);
    }
  }
}
