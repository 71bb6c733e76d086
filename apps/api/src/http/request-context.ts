import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ScimPrincipal } from '../auth/scim-tokens';
import { requestOrigin } from './public-origin';

/** Who is calling and from where: becomes the events' metadata (rule S1). */
export interface RequestContext {
  readonly principal: ScimPrincipal;
  readonly requestId: string;
  readonly userAgent: string | null;
  readonly clientAddress: string | null;
  /** Base of this request's SCIM URLs, e.g. https://host/scim/v2 or …/insync/scim (rule T1). */
  readonly scimBaseUrl: string;
}

export const SCIM_PREFIXES = ['scim/v2', 'insync/scim'] as const;

export function scimBaseUrl(request: FastifyRequest): string {
  const prefix = SCIM_PREFIXES.find((p) => request.url.startsWith(`/${p}`)) ?? SCIM_PREFIXES[0];
  return `${requestOrigin(request)}/${prefix}`;
}

export const Context = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestContext => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest & { user: ScimPrincipal }>();
  return {
    principal: request.user,
    requestId: String(request.id),
    userAgent: request.headers['user-agent']?.slice(0, 500) ?? null,
    clientAddress: request.ip ?? null,
    scimBaseUrl: scimBaseUrl(request),
  };
});
