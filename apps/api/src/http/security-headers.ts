import type { FastifyInstance } from 'fastify';
import { isAdminDocsUrl } from './api-paths';

/**
 * Headers every answer carries (OWASP secure headers): SCIM and admin answers
 * hold personal data and are JSON, so nothing caches them, browsers never
 * sniff them into HTML, frame them or run anything in them. The Swagger UI
 * under /admin/docs needs its scripts and styles, so it keeps its own
 * content policy and may be cached.
 */
export function addSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, reply, payload) => {
    void reply.header('X-Content-Type-Options', 'nosniff');
    void reply.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    void reply.header('Referrer-Policy', 'no-referrer');
    void reply.header('X-Frame-Options', 'DENY');
    if (!isAdminDocsUrl(request.url)) {
      void reply.header('Cache-Control', 'no-store');
      void reply.header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    }
    return payload;
  });
}
