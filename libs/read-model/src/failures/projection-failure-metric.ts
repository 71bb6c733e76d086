import { registeredCounter } from '@scim-ledger/event-store';
import type { ProjectionFailureRow } from './projection-failure.row';

/**
 * Events set aside since the process started, in prom-client's default
 * registry (the api's /metrics, issue 20, exposes that registry). Alert on
 * any increase: each is a stream whose later events wait.
 */
const setAside = registeredCounter({
  name: 'scim_ledger_projection_events_set_aside_total',
  help: 'Events the read-model projector could not apply and set aside (projection_failures), by event type',
  labelNames: ['event_type'],
});

export function countSetAside(failure: ProjectionFailureRow): void {
  setAside.inc({ event_type: failure.eventType });
}
