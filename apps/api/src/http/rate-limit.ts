import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppConfig } from '@scim-ledger/platform';
import { ScimError } from '@scim-ledger/scim';
import { sha256Hex } from '../auth/secret-hash';

/**
 * One budget per credential: the key is the hash of the Authorization header
 * (a SCIM token, an API credential or the operator token), never the secret
 * itself; a request without one is counted by its address. One noisy IdP app
 * then slows only itself, with 429 and Retry-After (RFC 6585 §4), which Entra
 * ID and Okta honour by backing off.
 */
export async function limitRequestRates(fastify: FastifyInstance, config: AppConfig): Promise<void> {
  if (config.rateLimit.max === 0) return;
  await fastify.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    keyGenerator: (request: FastifyRequest) => {
      const authorization = request.headers.authorization;
      return typeof authorization === 'string' ? `credential:${sha256Hex(authorization)}` : `address:${request.ip}`;
    },
    errorResponseBuilder: (_request: FastifyRequest, context: { max: number; after: string; ttl: number }) =>
      new ScimError(429, `too many requests with this credential: at most ${context.max} in ${context.after}; retry after ${Math.ceil(context.ttl / 1000)} s`, undefined, {
        'Retry-After': String(Math.max(1, Math.ceil(context.ttl / 1000))),
      }),
  });
}
