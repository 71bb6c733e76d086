import { EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { ReadModelProjector } from '@scim-ledger/read-model';
import { until } from './polling';
import { TestApp } from './test-app';
import { TIMEOUTS } from './timeouts';

/**
 * Waits until the read model has applied every event the store holds now.
 * Before a negative check ("still one refusal", "no event appeared"): the
 * writes that would make it false were appended before their answer, so once
 * the checkpoint is past them their rows are there, and the check can fail. A
 * sleep instead lets it pass on a projection that is merely late.
 */
export async function projectedEverythingStored(t: TestApp, timeoutMs = TIMEOUTS.background): Promise<void> {
  const store = t.app.get<EventStore>(EVENT_STORE);
  // Only its checkpoint is read: the app's own projector does the projecting.
  const checkpoint = new ReadModelProjector(t.readModel, store);
  await until(
    async () => (await store.readAll({ after: await checkpoint.checkpoint(), maxCount: 1 })).length === 0,
    timeoutMs,
    'the read model to apply every stored event',
  );
}
