import type { FastifyInstance } from 'fastify';
import { registeredCounter, registeredHistogram } from '@scim-ledger/event-store';

/** The methods the routes answer; anything else is counted as `other`, so a client cannot mint label values. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const requests = registeredCounter({
  name: 'scim_ledger_http_requests_total',
  help: 'HTTP requests answered, by route template (unmatched: no route), method and status code',
  labelNames: ['route', 'method', 'status_code'],
});

const duration = registeredHistogram({
  name: 'scim_ledger_http_request_duration_seconds',
  help: 'Time from the request arriving to its answer sent, by route template, method and status code',
  labelNames: ['route', 'method', 'status_code'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

/**
 * Counts and times every answer (issue 20, item 2) by the route's template as
 * registered (`/scim/v2/Users/:id`), never the URL: ids, filters and unknown
 * paths would make a label value each.
 */
export function measureRequests(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', async (request, reply) => {
    const labels = {
      route: request.routeOptions.url ?? 'unmatched',
      method: METHODS.has(request.method) ? request.method : 'other',
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}
