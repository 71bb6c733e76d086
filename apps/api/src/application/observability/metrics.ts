import { registeredCounter, registeredHistogram } from '@scim-ledger/event-store';

/**
 * The api's own metrics (issue 20, item 2), in prom-client's default
 * registry, which GET /metrics exposes with the libraries' and the process's.
 * Every label has a bounded set of values: tenants, operations, outcomes and
 * refusal reasons, never a user, an address or a URL.
 */
export const scimWrites = registeredCounter({
  name: 'scim_ledger_scim_writes_total',
  help: 'SCIM writes (create, replace, patch, delete) by tenant, operation and outcome: succeeded, refused (an answer the IdP can act on, rule S2) or failed (our fault)',
  labelNames: ['tenant', 'operation', 'outcome'],
});

export const scimRefusals = registeredCounter({
  name: 'scim_ledger_scim_refusals_total',
  help: "SCIM writes refused, by the refusal's recorded reason (rule S2): the domain's reason, else the scimType or the HTTP status",
  labelNames: ['reason'],
});

export const readYourWritesWait = registeredHistogram({
  name: 'scim_ledger_read_your_writes_wait_seconds',
  help: 'How long a write waited for the read model to hold it before answering (READ_YOUR_WRITES_TIMEOUT_MS bounds it), by outcome: visible or timed_out',
  labelNames: ['outcome'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

export const readYourWritesTimeouts = registeredCounter({
  name: 'scim_ledger_read_your_writes_timeouts_total',
  help: 'Writes answered before the read model held them, READ_YOUR_WRITES_TIMEOUT_MS having passed',
});
