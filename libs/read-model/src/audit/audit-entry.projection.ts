import { EventMetadata, isProvisioningRefusal, userIdOfStream, userStream } from '@scim-ledger/domain';
import { formatPosition, RecordedEvent } from '@scim-ledger/event-store';
import { auditAddressDigest } from './audit-address';
import { AuditEntryRow } from './audit-entry.row';

/** Every event becomes one audit entry carrying its metadata (rule S1). */
export function auditEntryFor(event: RecordedEvent): Omit<AuditEntryRow, 'id'> | null {
  const metadata = event.metadata as Partial<EventMetadata>;
  if (typeof metadata.tenantId !== 'string') return null;
  return {
    tenantId: metadata.tenantId,
    // A refusal concerning a user belongs to that user's history too (rule S2).
    userId: userIdOfStream(event.streamId) ?? refusedUserId(event),
    groupId: isProvisioningRefusal(event) && typeof event.data.groupId === 'string' ? event.data.groupId : null,
    streamId: event.streamId,
    streamRevision: event.revision,
    globalPosition: formatPosition(event.position),
    eventId: event.id,
    eventType: event.type,
    occurredAt: metadata.occurredAt ?? '',
    actorKind: metadata.actor?.kind ?? 'unknown',
    actorId: metadata.actor?.id ?? 'unknown',
    requestId: metadata.requestId ?? '',
    userAgent: metadata.userAgent ?? null,
    clientAddress: metadata.clientAddress ?? null,
    data: JSON.stringify(event.data),
    ignoredAttributes: Array.isArray(metadata.ignoredAttributes) && metadata.ignoredAttributes.length > 0 ? JSON.stringify(metadata.ignoredAttributes) : null,
    ...addressDigestsOf(event),
  };
}

/**
 * The digests of the addresses the event names, by which the admin finds it
 * (issue 18, item 6): a refusal's userName, a user's userName and email where
 * it takes them. An event read shredded holds placeholders, nobody's address.
 */
function addressDigestsOf(event: RecordedEvent): Pick<AuditEntryRow, 'addressDigest' | 'emailDigest'> {
  const none = { addressDigest: null, emailDigest: null };
  if (event.metadata.personalData === 'shredded') return none;
  // An event is data from the past: anything but a non-empty string names no address (and must not stop the projector).
  const digest = (address: unknown) => (typeof address === 'string' && address !== '' ? auditAddressDigest(address) : null);
  if (isProvisioningRefusal(event)) return { addressDigest: digest(event.data.userName), emailDigest: null };
  if (!userStream.events.isEvent(event)) return none;
  const upcast = userStream.events.upcast(event);
  if (upcast.type !== 'UserCreated' && upcast.type !== 'UserEmailChanged') return none;
  return { addressDigest: digest(upcast.data.userName), emailDigest: digest(upcast.data.email) };
}

function refusedUserId(event: RecordedEvent): string | null {
  return event.type === 'ProvisioningRefused' && typeof event.data.userId === 'string' ? event.data.userId : null;
}
