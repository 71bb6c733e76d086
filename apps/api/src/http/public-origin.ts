import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppConfig } from '@scim-ledger/platform';

const origins = new WeakMap<object, string>();

/**
 * The origin of every URL the api answers with (`Location`, `meta.location`):
 * PUBLIC_BASE_URL when set; else the request's Host when ALLOWED_HOSTS names
 * it; else the address the request reached this process at. Never a Host
 * header nobody vetted, which would let anyone make the api hand out links
 * to their own host (host header injection).
 */
export function originOf(request: FastifyRequest, config: Pick<AppConfig, 'publicBaseUrl' | 'allowedHosts' | 'port'>): string {
  if (config.publicBaseUrl) return config.publicBaseUrl;
  const host = request.headers.host?.trim().toLowerCase();
  if (host !== undefined && config.allowedHosts.includes(host)) return `${request.protocol}://${host}`;
  return `${request.protocol}://${listeningAddress(request, config.port)}`;
}

function listeningAddress(request: FastifyRequest, port: number): string {
  const socket = request.raw.socket as { localAddress?: string; localPort?: number } | undefined;
  const address = socket?.localAddress?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!address) return `localhost:${port}`;
  return `${address.includes(':') ? `[${address}]` : address}:${socket?.localPort ?? port}`;
}

/** Works out each request's origin once, before any handler needs it. */
export function answerOrigins(fastify: FastifyInstance, config: AppConfig): void {
  fastify.addHook('onRequest', async (request) => {
    origins.set(request, originOf(request, config));
  });
}

/** The origin answerOrigins worked out for this request. */
export function requestOrigin(request: FastifyRequest): string {
  return origins.get(request) ?? `${request.protocol}://localhost`;
}
