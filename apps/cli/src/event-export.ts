import { EventStore, RecordedEvent, START_OF_ALL, StreamRevision } from '@scim-ledger/event-store';
import { tenantStreamId, userStreamId } from '@scim-ledger/domain';

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
export async function importEvents(store: EventStore, events: AsyncIterable<ExportedEvent>): Promise<{ streams: number; events: number }> {
  const lastRevision = new Map<string, StreamRevision>();
  let count = 0;
  for await (const event of events) {
    const expected = lastRevision.get(event.streamId) ?? 'no_stream';
    const appended = await store.append(event.streamId, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }], expected);
    lastRevision.set(event.streamId, appended.nextExpectedRevision);
    count += 1;
  }
  return { streams: lastRevision.size, events: count };
}

function exported({ position: _global, ...event }: RecordedEvent): ExportedEvent {
  return event;
}
