import { emailKey, EventMetadata, UserAttributes, UserPlacement, userStream, withAttributeChanges } from '@scim-ledger/domain';
import { RecordedEvent } from '@scim-ledger/event-store';
import { ScimUserRow } from './scim-user.row';

/**
 * The users read model as a pure fold: given the current row (or none) and
 * the next event of that user's stream, the new row. An event at or below the
 * row's revision was applied already and changes nothing (at-least-once
 * delivery, exactly-once effect: shared/STYLE.md point 8).
 */
export function projectUserEvent(row: ScimUserRow | null, recorded: RecordedEvent): ScimUserRow | null {
  if (!userStream.events.isEvent(recorded)) return row;
  if (row && recorded.revision <= row.revision) return row;
  // Through the stream's module, so an event of an older version reads as its upcaster says.
  const event = userStream.events.upcast(recorded);
  const at = (recorded.metadata as unknown as EventMetadata).occurredAt;
  if (event.type === 'UserCreated') {
    if (row) return row;
    const d = event.data;
    return {
      id: d.userId,
      tenantId: d.tenantId,
      userName: d.userName,
      userNameLower: emailKey(d.userName),
      email: d.email,
      emailLower: emailKey(d.email),
      displayName: d.displayName,
      givenName: d.givenName,
      familyName: d.familyName,
      externalId: d.externalId,
      userPrincipalName: d.userPrincipalName,
      attributes: JSON.stringify(d.attributes),
      active: true,
      status: 'Active',
      preservedBy: null,
      deletedInIdp: false,
      preservedAt: null,
      provisionedBy: d.provisionedBy,
      ...placementColumns(d.placement),
      legalHold: false,
      createdAt: at,
      lastModified: at,
      revision: recorded.revision,
    };
  }
  if (!row) return null;
  const next: ScimUserRow = { ...row, lastModified: at, revision: recorded.revision };
  switch (event.type) {
    case 'UserRenamed': {
      // Whether the display name was derived matters to the next PATCH (the stream's), not to the read model.
      const { displayName, givenName, familyName } = event.data;
      return { ...next, displayName, givenName, familyName };
    }
    case 'UserAttributesIgnored':
      // Nothing of the user changed; its revision (meta.version) did.
      return next;
    case 'UserAttributesChanged':
      return { ...next, attributes: JSON.stringify(withAttributeChanges(JSON.parse(row.attributes) as UserAttributes, event.data.changes)) };
    case 'UserEmailChanged':
      return {
        ...next,
        userName: event.data.userName,
        userNameLower: emailKey(event.data.userName),
        email: event.data.email,
        emailLower: emailKey(event.data.email),
      };
    case 'UserExternalIdChanged':
      return { ...next, externalId: event.data.externalId };
    case 'UserPrincipalNameChanged':
      return { ...next, userPrincipalName: event.data.userPrincipalName };
    case 'UserPreserved':
      return { ...next, active: false, status: 'Preserved', preservedBy: event.data.by, preservedAt: row.preservedAt ?? at };
    case 'UserReactivated':
      return { ...next, active: true, status: 'Active', preservedBy: null, deletedInIdp: false, preservedAt: null };
    case 'UserAdoptedByIdp':
      return { ...next, provisionedBy: 'idp', ...(row.profileId === null && event.data.placement ? placementColumns(event.data.placement) : {}) };
    case 'UserPlacedOnLegalHold':
      return { ...next, legalHold: true };
    case 'UserReleasedFromLegalHold':
      return { ...next, legalHold: false };
    case 'UserDeletedInIdp':
      return { ...next, deletedInIdp: true };
    case 'UserDeletedPermanently':
      // Rule L10: the read model keeps nothing of a user deleted for good.
      return null;
    default: {
      const unknown: never = event;
      throw new Error(`unprojected event ${JSON.stringify(unknown)}`);
    }
  }
}

function placementColumns(placement: UserPlacement | null) {
  return {
    mappingId: placement?.mappingId ?? null,
    profileId: placement?.profileId ?? null,
    storageId: placement?.storageId ?? null,
    quotaAmount: placement?.quota.amount ?? null,
    quotaUnit: placement?.quota.unit ?? null,
    sendActivationEmail: placement?.sendActivationEmail ?? null,
  };
}
