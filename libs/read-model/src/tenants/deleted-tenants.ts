import { EventMetadata, SHREDDED, tenantIdOfStream } from '@scim-ledger/domain';
import { RecordedEvent } from '@scim-ledger/event-store';
import { ScimUserRow } from '../users/scim-user.row';

/*
 * What a deleted tenant leaves readable, decided here once for the projector
 * and so for the rebuild `verify` compares with: the answer depends only on
 * the events and on which tenants are deleted, never on where a batch ends.
 * A deletion appends more events after TenantDeleted (its users' deletions for
 * good, addresses and seats given back, requests that had passed
 * authentication just before), and refusals among them carry userNames in
 * clear until the tenant's key is forgotten.
 */

/** Entry types a deleted tenant's audit trail keeps; they name no person (user ids only). */
export const TRAIL_OF_A_DELETED_TENANT: readonly string[] = ['TenantDeleted', 'UserDeletedPermanently'];

/** The tenant an event was recorded for (rule S1), whichever stream holds it: user, refusals, claim, seats. */
export function tenantOfEvent(event: RecordedEvent): string | null {
  const tenantId = (event.metadata as Partial<EventMetadata>).tenantId;
  return typeof tenantId === 'string' ? tenantId : null;
}

/** The tenants these events delete, with when. */
export function tenantsDeletedBy(events: readonly RecordedEvent[]): { tenantId: string; deletedAt: string }[] {
  return events.flatMap((event) => {
    const tenantId = event.type === 'TenantDeleted' ? tenantIdOfStream(event.streamId) : null;
    return tenantId === null ? [] : [{ tenantId, deletedAt: String((event.metadata as Partial<EventMetadata>).occurredAt ?? '') }];
  });
}

/**
 * Whether an event keeps its audit entry, given every tenant deleted before
 * or within its batch: an event of a deleted tenant, before or after the
 * deletion, keeps one only if it is part of the deletion's own trail.
 */
export function keepsAuditEntry(event: RecordedEvent, deletedTenants: ReadonlySet<string>): boolean {
  const tenantId = tenantOfEvent(event);
  return tenantId === null || !deletedTenants.has(tenantId) || TRAIL_OF_A_DELETED_TENANT.includes(event.type);
}

/**
 * A deleted tenant's user, until its deletion for good removes the row:
 * the tenant deletion finds it by id, the operator sees no person.
 */
export function withoutPersonalData(row: ScimUserRow): ScimUserRow {
  return { ...row, ...USER_COLUMNS_WITHOUT_A_PERSON };
}

/** The user columns that name a person, as a deleted tenant's rows hold them. */
export const USER_COLUMNS_WITHOUT_A_PERSON = {
  userName: SHREDDED,
  userNameLower: SHREDDED,
  email: SHREDDED,
  emailLower: SHREDDED,
  displayName: SHREDDED,
  givenName: null,
  familyName: null,
  externalId: null,
  userPrincipalName: null,
  attributes: '{}',
} as const satisfies Partial<ScimUserRow>;
