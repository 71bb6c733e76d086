import { EventMetadata, userIdOfStream } from '@scim-ledger/domain';
import { formatPosition, RecordedEvent } from '@scim-ledger/event-store';
import { AuditEntryRow } from './audit-entry.row';

/** Every event becomes one audit entry carrying its metadata (rule S1). */
export function auditEntryFor(event: RecordedEvent): Omit<AuditEntryRow, 'id'> | null {
  const metadata = event.metadata as Partial<EventMetadata>;
  if (typeof metadata.tenantId !== 'string') return null;
  return {
    tenantId: metadata.tenantId,
    // A refusal concerning a user belongs to that user's history too (rule S2).
    userId: userIdOfStream(event.streamId) ?? refusedUserId(event),
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
    addressDigest: null,
    emailDigest: null,
  };
}

function refusedUserId(event: RecordedEvent): string | null {
  return event.type === 'ProvisioningRefused' && typeof event.data.userId === 'string' ? event.data.userId : null;
}
