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

/**
 * The per-credential budget cannot slow a guesser: every wrong credential
 * gets a bucket of its own. So failed authentications (401) are counted per
 * address, and an address over AUTH_FAILURE_LIMIT in a window gets 429 on
 * everything until the window ends, before any credential is checked. An
 * IdP with an expired token fails a few times an hour, far below the limit.
 */
export function limitFailedAuthentications(fastify: FastifyInstance, config: AppConfig): void {
  const limit = config.rateLimit.authFailures;
  if (limit === 0) return;
  const windowMs = config.rateLimit.windowMs;
  const failures = new Map<string, { count: number; endsAt: number }>();
  fastify.addHook('onRequest', async (request) => {
    const window = failures.get(request.ip);
    const now = Date.now();
    if (window && window.endsAt > now && window.count >= limit) {
      const seconds = String(Math.max(1, Math.ceil((window.endsAt - now) / 1000)));
      throw new ScimError(429, `too many failed authentications from this address; retry after ${seconds} s`, undefined, { 'Retry-After': seconds });
    }
  });
  fastify.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode !== 401) return;
    const now = Date.now();
    let window = failures.get(request.ip);
    if (!window || window.endsAt <= now) {
      // Forget finished windows now and then, so a spray of addresses cannot grow the map for ever.
      if (failures.size > 10_000) for (const [address, old] of failures) if (old.endsAt <= now) failures.delete(address);
      window = { count: 0, endsAt: now + windowMs };
      failures.set(request.ip, window);
    }
    window.count++;
  });
}
