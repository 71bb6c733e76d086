import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppConfig, sha256Hex } from '@scim-ledger/platform';
import { ScimError } from '@scim-ledger/scim';
import { credentialKey, presentedCredential } from '../auth/authorization-header';
import { isProbeUrl } from './api-paths';
import { clientAddressOf } from './client-address';

/**
 * One budget per credential: the key is the hash of the credential as parsed
 * from the Authorization header (a SCIM token, an API credential's id and
 * secret, or the operator token), so `bearer`, `BEARER` and extra spaces are
 * one budget, and never the secret itself; a request without one is counted
 * by its address. One noisy IdP app
 * then slows only itself, with 429 and Retry-After (RFC 6585 §4), which Entra
 * ID and Okta honour by backing off.
 */
export async function limitRequestRates(fastify: FastifyInstance, config: AppConfig): Promise<void> {
  if (config.rateLimit.max === 0) return;
  await fastify.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    // An orchestrator probes every few seconds from one address: a probe refused 429 would take a healthy instance out.
    allowList: (request: FastifyRequest) => isProbeUrl(request.url),
    keyGenerator: (request: FastifyRequest) => {
      const credential = presentedCredential(request.headers.authorization);
      return credential ? `credential:${sha256Hex(credentialKey(credential))}` : `address:${clientAddressOf(request)}`;
    },
    errorResponseBuilder: (_request: FastifyRequest, context: { max: number; after: string; ttl: number }) =>
      new ScimError(
        429,
        `too many requests with this credential: at most ${context.max} in ${context.after}; retry after ${Math.ceil(context.ttl / 1000)} s`,
        undefined,
        {
          'Retry-After': String(Math.max(1, Math.ceil(context.ttl / 1000))),
        },
      ),
  });
}

/** The 429 a request gets instead of its 401 while its address is over AUTH_FAILURE_LIMIT. */
const overFailureLimit = new WeakMap<object, ScimError>();

/**
 * For the authentication guards: the refusal to answer instead of a 401, when
 * this request's address has failed too often; undefined otherwise. A valid
 * credential never gets here, so it is never refused by the failure limit.
 */
export function failedAuthenticationRefusal(request: object): ScimError | undefined {
  return overFailureLimit.get(request);
}

/**
 * The per-credential budget cannot slow a guesser: every wrong credential
 * gets a bucket of its own. So failed authentications (401) are counted per
 * address, and while an address is over AUTH_FAILURE_LIMIT in a window, a
 * request of it without a credential gets 429 at once, and one whose
 * credential turns out wrong gets 429 instead of 401. A valid credential from
 * that address (an IdP behind the guesser's NAT) is still served. An IdP with
 * an expired token fails a few times an hour, far below the limit.
 */
export function limitFailedAuthentications(fastify: FastifyInstance, config: AppConfig): void {
  const limit = config.rateLimit.authFailures;
  if (limit === 0) return;
  const windowMs = config.rateLimit.windowMs;
  const failures = new Map<string, { count: number; endsAt: number }>();
  fastify.addHook('onRequest', async (request) => {
    // The probes carry no credential: behind a guesser's NAT they would otherwise get 429 and fail the instance.
    if (isProbeUrl(request.url)) return;
    const window = failures.get(clientAddressOf(request));
    const now = Date.now();
    if (window && window.endsAt > now && window.count >= limit) {
      const seconds = String(Math.max(1, Math.ceil((window.endsAt - now) / 1000)));
      const refusal = new ScimError(429, `too many failed authentications from this address; retry after ${seconds} s`, undefined, { 'Retry-After': seconds });
      if (presentedCredential(request.headers.authorization) === null) throw refusal;
      overFailureLimit.set(request, refusal);
    }
  });
  fastify.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode !== 401) return;
    const now = Date.now();
    const client = clientAddressOf(request);
    let window = failures.get(client);
    if (!window || window.endsAt <= now) {
      // Forget finished windows now and then, so a spray of addresses cannot grow the map for ever.
      if (failures.size > 10_000) for (const [address, old] of failures) if (old.endsAt <= now) failures.delete(address);
      window = { count: 0, endsAt: now + windowMs };
      failures.set(client, window);
    }
    window.count++;
  });
}
