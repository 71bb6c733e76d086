import type { FastifyRequest } from 'fastify';
import { isIP, isIPv4 } from 'node:net';

/**
 * The client's address for the rate limits, the failed-authentication limit
 * and the audit trail. Behind a trusted proxy Fastify takes it from
 * X-Forwarded-For as written, so a hop that is not an address (markup, an
 * email address, kilobytes) would be kept in events that are never rewritten
 * and be a fresh key for the limits at every request: such a value is not
 * believed and the connection's own address is used (the attack on issue 20,
 * finding 3). An IPv4 address mapped into IPv6 (`::ffff:10.1.2.3`) is its IPv4
 * form, so one client is one key.
 */
export function clientAddressOf(request: FastifyRequest): string {
  const forwarded = request.ip;
  const address = isIP(forwarded) !== 0 ? forwarded : (request.socket?.remoteAddress ?? forwarded);
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}
