import { randomUUID } from 'node:crypto';
import { EventStore, RecordedEvent, START_OF_ALL, StreamRevision } from '@scim-ledger/event-store';
import { CommandMetadata, decideTenant, eventMetadata, foldTenant, tenantIdOfStream, tenantStream, tenantStreamId, userStreamId } from '@scim-ledger/domain';
import { newApiCredential } from '@scim-ledger/platform';

/** One line of an export file: an event with its stream and revision, never its global position (that is the store's). */
export type ExportedEvent = Omit<RecordedEvent, 'position'>;

const PAGE = 1000;

/**
 * A tenant's events in global order: every event whose metadata names the
 * tenant (its own stream, its users', its claims and refusals). For one user:
 * the tenant's stream, so an import has its mappings, then the user's.
 */
export async function* exportedEvents(store: EventStore, scope: { tenantId: string; userId?: string }): AsyncGenerator<ExportedEvent> {
  if (scope.userId !== undefined) {
    const user = await store.readStream(userStreamId(scope.userId));
    if (user.length === 0 || user[0].data.tenantId !== scope.tenantId) throw new Error(`no user ${scope.userId} in tenant ${scope.tenantId}`);
    for (const event of [...(await store.readStream(tenantStreamId(scope.tenantId))), ...user]) yield exported(event);
    return;
  }
  let after = START_OF_ALL;
  for (;;) {
    const page = await store.readAll({ after, maxCount: PAGE });
    if (page.length === 0) return;
    for (const event of page) if (event.metadata.tenantId === scope.tenantId) yield exported(event);
    after = page[page.length - 1].position;
  }
}

/**
 * Appends exported events to a store, stream by stream, each at the revision
 * it had, so a stream that already exists here is refused rather than mixed.
 * A stream exported with gaps (claims shared with other tenants' events) is
 * appended in order without them.
 */
export async function importEvents(
  store: EventStore,
  events: AsyncIterable<ExportedEvent>,
  onAppended: (appended: number) => void = () => undefined,
): Promise<{ streams: number; events: number; tenantIds: string[] }> {
  const lastRevision = new Map<string, StreamRevision>();
  let count = 0;
  for await (const event of events) {
    const expected = lastRevision.get(event.streamId) ?? 'no_stream';
    const appended = await store.append(event.streamId, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }], expected);
    lastRevision.set(event.streamId, appended.nextExpectedRevision);
    count += 1;
    onAppended(count);
  }
  const tenantIds = [...lastRevision.keys()].map(tenantIdOfStream).filter((id): id is string => id !== null);
  return { streams: lastRevision.size, events: count, tenantIds };
}

/**
 * An API credential for a tenant just imported, so the support engineer can
 * read its users, history and audit through the admin API (issue 20, item 3).
 * Decided by the tenant's own decider on its imported stream and appended at
 * its revision, so the tenant's audit trail shows who issued it and why.
 */
export async function issueSupportCredential(
  store: EventStore,
  tenantId: string,
  reason: string,
  now: string,
): Promise<{ clientId: string; secret: string } | null> {
  const stored = await store.readStream(tenantStreamId(tenantId));
  const state = foldTenant(stored.map((event) => tenantStream.events.upcast(event)));
  if (state.status !== 'Active') return null;
  const credential = newApiCredential(tenantId);
  const { credentialId, clientId, secretHash } = credential;
  const decided = decideTenant({ type: 'IssueApiCredential', data: { credentialId, clientId, secretHash, name: 'support', now, reason } }, state);
  const metadata: CommandMetadata = {
    tenantId,
    actor: { kind: 'system', id: 'cli import' },
    requestId: `import-${randomUUID()}`,
    userAgent: null,
    clientAddress: null,
    now,
  };
  const events = decided.map((event) => ({
    id: randomUUID(),
    type: event.type,
    data: event.data as unknown as Record<string, unknown>,
    metadata: { ...eventMetadata(metadata, tenantStream.events.schemaVersions[event.type]) },
  }));
  await store.append(tenantStreamId(tenantId), events, stored.length === 0 ? 'no_stream' : stored[stored.length - 1].revision);
  return { clientId: credential.clientId, secret: credential.secret };
}

function exported({ position: _global, ...event }: RecordedEvent): ExportedEvent {
  return event;
}
