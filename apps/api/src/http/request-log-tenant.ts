import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** The tenant each answered request acted for, by its Node request: what pino-http's request line sees. */
const TENANT_OF_REQUEST = new WeakMap<IncomingMessage, string>();

/**
 * Every request line names its tenant (issue 20, item 7), so an operator can
 * follow one tenant's IdP through the logs. The tenant is known only once a
 * credential is checked, and pino-http writes its line when the response has
 * finished: the tenant of the authenticated principal is noted as the answer
 * is sent.
 */
export function noteRequestTenants(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, _reply, payload) => {
    const principal = (request as { user?: { kind?: unknown; tenantId?: unknown } }).user;
    // The operator's own credential names no tenant: its line names the tenant its route acts on (the attack on issue 20).
    const tenantId = principal?.kind === 'operator' ? (request.params as { tenantId?: unknown } | undefined)?.tenantId : principal?.tenantId;
    if (typeof tenantId === 'string') TENANT_OF_REQUEST.set(request.raw, tenantId);
    return payload;
  });
}

/** pino-http's custom properties of a request line: its tenant once known, else nothing. */
export function requestLogTenant(request: IncomingMessage): { tenantId?: string } {
  const tenantId = TENANT_OF_REQUEST.get(request);
  return tenantId === undefined ? {} : { tenantId };
}
