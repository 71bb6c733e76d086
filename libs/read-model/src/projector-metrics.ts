import { registeredHistogram } from '@scim-ledger/event-store';

/**
 * How long the projector takes per batch, in prom-client's default registry
 * (the api's GET /metrics, issue 20, item 2; apps/projector's own process
 * keeps its own). Looked up first, so loading this module twice registers
 * nothing twice.
 */
export const projectorBatchDuration = registeredHistogram({
  name: 'scim_ledger_projector_batch_duration_seconds',
  help: 'Time the read-model projector took to apply one batch of events and move its checkpoint, in one transaction',
  labelNames: ['outcome'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

export const projectorBatchSize = registeredHistogram({
  name: 'scim_ledger_projector_batch_events',
  help: 'Events in one batch the read-model projector applied',
  buckets: [1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000],
});
