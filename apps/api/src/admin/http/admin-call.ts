import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { actorOf, AdminPrincipal } from '../auth/admin-principal';
import type { AdminRequest } from '../../application/tenants/tenant-commands';
import { userAgentOf } from '../../http/request-context';
import { clientAddressOf } from '../../http/client-address';

/** The caller and what their events will say about them (rule S1). */
export interface AdminCall {
  readonly principal: AdminPrincipal;
  readonly request: AdminRequest;
}

export const Call = createParamDecorator((_: unknown, ctx: ExecutionContext): AdminCall => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest & { user: AdminPrincipal }>();
  return {
    principal: request.user,
    request: {
      actor: actorOf(request.user),
      requestId: String(request.id),
      userAgent: userAgentOf(request),
      clientAddress: clientAddressOf(request),
    },
  };
});
