import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { firstCharacters, TEXT_WIDTH } from '@scim-ledger/domain';
import type { ScimPrincipal } from '../auth/scim-tokens';
import { requestOrigin } from './public-origin';
import { scimPrefixOf } from './api-paths';
import { clientAddressOf } from './client-address';

/** Who is calling and from where: becomes the events' metadata (rule S1). */
export interface RequestContext {
  readonly principal: ScimPrincipal;
  readonly requestId: string;
  readonly userAgent: string | null;
  readonly clientAddress: string | null;
  /** Base of this request's SCIM URLs, e.g. https://host/scim/v2 or …/insync/scim (rule T1). */
  readonly scimBaseUrl: string;
}

/**
 * The User-Agent as events keep it (rule S1): at most 500 characters, and
 * control characters (HTTP lets obs-text bytes through, which Node reads as
 * C1 controls) shown as U+FFFD, so a header cannot carry escape sequences into
 * the audit trail, its exports or the support CLI.
 */
export function userAgentOf(request: FastifyRequest): string | null {
  const header = request.headers['user-agent'];
  if (typeof header !== 'string') return null;
  return firstCharacters(header, TEXT_WIDTH.userAgent).replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}

export { SCIM_PREFIXES } from './api-paths';

/** The base URL the answer's locations use: the base path the request came in under, spelled as the routes are. */
export function scimBaseUrl(request: FastifyRequest): string {
  return `${requestOrigin(request)}/${scimPrefixOf(request.url)}`;
}

export const Context = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestContext => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest & { user: ScimPrincipal }>();
  return {
    principal: request.user,
    requestId: String(request.id),
    userAgent: userAgentOf(request),
    clientAddress: clientAddressOf(request),
    scimBaseUrl: scimBaseUrl(request),
  };
});
