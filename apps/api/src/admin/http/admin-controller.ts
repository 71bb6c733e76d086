import { applyDecorators, Controller, UseFilters, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ApiOperationOptions } from '@nestjs/swagger';
import { AdminAuthGuard } from '../auth/admin-auth';
import { ProblemDetailsFilter } from '../../http/problem-details.filter';

/** Every admin controller: authenticated, validated bodies, RFC 9457 errors, documented in OpenAPI. */
export function AdminController(tag: string, path = 'admin/v1') {
  return applyDecorators(
    Controller(path),
    ApiTags(tag),
    UseGuards(AdminAuthGuard),
    UseFilters(ProblemDetailsFilter),
    UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true })),
  );
}

/** An RFC 9457 problem, as every admin error answers (the OpenAPI document's `Problem` schema). */
const PROBLEM = { $ref: '#/components/schemas/Problem' };
const problem = (status: number, description: string) => ApiResponse({ status, description, content: { 'application/problem+json': { schema: PROBLEM } } });

/** The errors every admin route may answer, whatever it does. */
const COMMON_PROBLEMS = [
  problem(400, 'the request is not valid: what is wrong is in `detail`'),
  problem(401, 'no credential, or not a valid one of the kind this route accepts'),
  problem(403, 'a valid credential of the other kind: the operator token and a tenant credential open different routes'),
  problem(404, 'no such tenant, user or configuration item, or one of another tenant'),
  problem(409, 'refused by a rule (its reason in `detail`), or changed meanwhile'),
  problem(429, 'over the rate limit or the failed-authentication limit; `Retry-After` says when to come back'),
  problem(503, 'a database did not answer; nothing was changed, try again'),
];

/**
 * A route inside one tenant: only that tenant's API credential (HTTP Basic,
 * rule T4) opens it; the operator token gets 403 and another tenant's 404.
 */
export function TenantRoute(operation: ApiOperationOptions) {
  return applyDecorators(ApiOperation(operation), ApiBasicAuth('api-credential'), ...COMMON_PROBLEMS);
}

/** A route of the operator (tenants, licences, storage health, recovery): only the operator token opens it. */
export function OperatorRoute(operation: ApiOperationOptions) {
  return applyDecorators(ApiOperation(operation), ApiBearerAuth('operator'), ...COMMON_PROBLEMS);
}
