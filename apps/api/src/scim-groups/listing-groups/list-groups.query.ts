import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ScimError } from '@scim-ledger/scim';
import { GroupPage, ScimGroupsReadModel } from '../../application/reading/scim-groups.read-model';
import { APP_CONFIG, AppConfig } from '../../tokens';
import { ExpensiveReads } from '../../application/reading/expensive-reads';
import { queryInteger, queryText } from '../../http/query-parameters';

/**
 * GET /Groups and POST /Groups/.search: filter and index pagination
 * (startIndex/count), in creation order. The parameters arrive as query-string
 * text or as a SearchRequest's JSON values.
 */
export class ListScimGroups {
  constructor(
    readonly tenantId: string,
    readonly parameters: Record<string, unknown>,
    readonly withMembers: boolean,
  ) {}
}

@QueryHandler(ListScimGroups)
export class ListScimGroupsHandler implements IQueryHandler<ListScimGroups, GroupPage & { startIndex: number }> {
  constructor(
    private readonly groups: ScimGroupsReadModel,
    private readonly expensiveReads: ExpensiveReads,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ tenantId, parameters, withMembers }: ListScimGroups): Promise<GroupPage & { startIndex: number }> {
    const filter = queryText(parameters.filter, 'filter');
    if (parameters.sortBy !== undefined) throw new ScimError(400, 'groups are listed in creation order; sortBy is not supported for them', 'invalidValue');
    if (parameters.cursor !== undefined)
      throw new ScimError(400, 'groups are paged with startIndex and count; cursors are not supported for them', 'invalidValue');
    // RFC 7644 §3.4.2.4: startIndex below 1 is read as 1, a negative count as 0; a page holds at most SCIM_MAX_PAGE_SIZE.
    const count = Math.min(this.config.maxPageSize, Math.max(0, queryInteger(parameters.count, 'count') ?? this.config.maxPageSize));
    const startIndex = Math.max(1, queryInteger(parameters.startIndex, 'startIndex') ?? 1);
    const request = { filter: filter === '' ? undefined : filter, startIndex, count, withMembers };
    // Entra ID's lookup before each push (displayName eq, as externalId eq and id eq) is an index probe; list pages and
    // other filters take their turn among the tenant's expensive reads, as the users' do.
    const page = isLookup(request.filter)
      ? await this.groups.page(tenantId, request)
      : await this.expensiveReads.run(tenantId, () => this.groups.page(tenantId, request));
    return { ...page, startIndex };
  }
}

/** One equality on an indexed attribute and nothing else: `displayName eq "…"`, `externalId eq "…"`, `id eq "…"`. */
function isLookup(filter: string | undefined): boolean {
  return (
    filter !== undefined && /^\s*(?:urn:ietf:params:scim:schemas:core:2\.0:group:)?(?:displayName|externalId|id)\s+eq\s+"(?:[^"\\]|\\.)*"\s*$/i.test(filter)
  );
}
