import { randomUUID } from 'node:crypto';
import { type Actor, eventMetadata } from '@scim-ledger/domain';
import type { EventStore } from '@scim-ledger/event-store';

/** An event to append to a stream, optionally recorded for another tenant than the default one. */
export type GivenEvent = readonly [streamId: string, event: { readonly type: string; readonly data: object }, tenantId?: string];

/**
 * Appends the events one a minute from 2026-12-01T00:00Z, each with the
 * metadata the api records (rule S1): for a projection's given/when/then,
 * where the order and the times of the events are the test's to choose.
 */
export async function appendOneAMinute(
  store: EventStore,
  events: readonly GivenEvent[],
  recorded: { readonly tenantId: string; readonly actor: Actor; readonly schemaVersions: Readonly<Record<string, number>> },
): Promise<void> {
  for (const [minute, [streamId, event, tenantId]] of events.entries()) {
    const metadata = eventMetadata(
      {
        tenantId: tenantId ?? recorded.tenantId,
        actor: recorded.actor,
        requestId: `req-${minute}`,
        userAgent: 'test',
        clientAddress: '10.0.0.1',
        now: `2026-12-01T00:${String(minute).padStart(2, '0')}:00.000Z`,
      },
      recorded.schemaVersions[event.type],
    );
    await store.append(streamId, [{ id: randomUUID(), type: event.type, data: event.data as Record<string, unknown>, metadata: { ...metadata } }], 'any');
  }
}
