import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Actor } from '@scim-ledger/domain';
import { AdminProblem } from '../../http/problem-details.filter';

/**
 * Who calls the admin API: the operator (from configuration; creates tenants
 * and runs storages) or one tenant's API credential (everything inside that
 * tenant). The SCIM token opens neither (rule T4).
 */
export type AdminPrincipal = { readonly kind: 'operator' } | { readonly kind: 'tenant'; readonly tenantId: string; readonly credentialId: string };

export const Principal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AdminPrincipal => ctx.switchToHttp().getRequest<FastifyRequest & { user: AdminPrincipal }>().user,
);

export function actorOf(principal: AdminPrincipal): Actor {
  return principal.kind === 'operator' ? { kind: 'operator', id: 'operator' } : { kind: 'admin-credential', id: principal.credentialId };
}

/**
 * Tenant isolation: a tenant's credential reaches only its own tenant, and
 * another tenant's id answers 404 exactly like an unknown one.
 */
export function requireTenant(principal: AdminPrincipal, tenantId: string): void {
  if (principal.kind === 'tenant' && principal.tenantId === tenantId) return;
  if (principal.kind === 'operator') {
    throw new AdminProblem(403, 'Forbidden', "the operator credential creates tenants and runs storages; use the tenant's API credential inside a tenant");
  }
  throw new AdminProblem(404, 'Not Found', `tenant ${tenantId} not found`);
}

export function requireOperator(principal: AdminPrincipal): void {
  if (principal.kind !== 'operator') throw new AdminProblem(403, 'Forbidden', 'only the operator credential may do this');
}
