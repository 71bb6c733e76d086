import { Controller, Get, UseGuards } from '@nestjs/common';
import { LIST_RESPONSE_SCHEMA } from '@scim-ledger/scim';
import { ScimAuthGuard } from '../auth/scim-bearer.strategy';
import { Context, RequestContext, SCIM_PREFIXES } from '../http/request-context';

/**
 * The framework ceiling for bench/: the same bearer auth, hooks and JSON
 * answer as a SCIM list, without the query. Mounted only with
 * BENCH_NOOP_ROUTE=1, so production never serves it.
 */
@Controller(SCIM_PREFIXES.map((prefix) => `${prefix}/bench-noop`))
@UseGuards(ScimAuthGuard)
export class BenchNoopController {
  @Get()
  noop(@Context() context: RequestContext) {
    return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: 0, itemsPerPage: 0, startIndex: 1, tenant: context.principal.tenantId, Resources: [] };
  }
}
