import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ScimError, ScimUserView } from '@scim-ledger/scim';
import { PageCursor, ScimUsersReadModel, UserPageRequest } from '../../application/reading/scim-users.read-model';
import { APP_CONFIG, AppConfig } from '../../tokens';
import { decodeCursor, encodeCursor } from './page-cursor';
import { ExpensiveReads } from '../../application/reading/expensive-reads';
import { ScimGroupsReadModel } from '../../application/reading/scim-groups.read-model';
import { queryInteger, queryText } from '../../http/query-parameters';

export interface ScimUserPage {
  readonly totalResults: number;
  /** Index pagination only. */
  readonly startIndex?: number;
  /** Cursor pagination only (RFC 9865): absent on the last page. */
  readonly nextCursor?: string;
  readonly users: ScimUserView[];
}

/**
 * GET /Users and POST /Users/.search: filter, sort, and either index
 * (startIndex/count) or cursor (cursor/count, RFC 9865) pagination. The
 * parameters arrive as query-string text or as a SearchRequest's JSON values.
 */
export class ListScimUsers {
  constructor(
    readonly tenantId: string,
    readonly parameters: Record<string, unknown>,
  ) {}
}

@QueryHandler(ListScimUsers)
export class ListScimUsersHandler implements IQueryHandler<ListScimUsers, ScimUserPage> {
  constructor(
    private readonly users: ScimUsersReadModel,
    private readonly expensiveReads: ExpensiveReads,
    private readonly groups: ScimGroupsReadModel,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ tenantId, parameters }: ListScimUsers): Promise<ScimUserPage> {
    const request = pageRequest(parameters, this.config.maxPageSize);
    // An IdP's lookup before each create is an index probe: it never waits behind its tenant's heavy reads.
    const page = this.users.isIndexedLookup(request)
      ? await this.users.page(tenantId, request)
      : await this.expensiveReads.run(tenantId, () => this.users.page(tenantId, request));
    // Rule G1: each user's read-only groups, from the membership rows, for the whole page at once.
    const groups =
      page.users.length === 0
        ? new Map()
        : await this.groups.groupsOfUsers(
            tenantId,
            page.users.map((user) => user.id),
          );
    const users = page.users.map((user) => ({ ...user, groups: groups.get(user.id) ?? [] }));
    if (request.cursor === undefined) return { totalResults: page.totalResults, startIndex: request.startIndex, users };
    return {
      totalResults: page.totalResults,
      users,
      ...(page.next ? { nextCursor: encodeCursor(page.next, request) } : {}),
    };
  }
}

/** A page holds at most `maxPageSize` users, whatever `count` asks (RFC 7644 §3.4.2.4: a server may return fewer). */
function pageRequest(parameters: Record<string, unknown>, maxPageSize: number): UserPageRequest {
  const filter = queryText(parameters.filter, 'filter');
  const sortBy = queryText(parameters.sortBy, 'sortBy');
  const sortOrder = queryText(parameters.sortOrder, 'sortOrder')?.toLowerCase() ?? 'ascending';
  if (sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw new ScimError(400, 'sortOrder must be ascending or descending', 'invalidValue');
  }
  const count = Math.min(maxPageSize, Math.max(0, queryInteger(parameters.count, 'count') ?? maxPageSize));
  const cursorText = queryText(parameters.cursor, 'cursor');
  if (cursorText === undefined) {
    // RFC 7644 §3.4.2.4: startIndex below 1 is read as 1, a negative count as 0.
    const startIndex = Math.max(1, queryInteger(parameters.startIndex, 'startIndex') ?? 1);
    return { filter, startIndex, count, sortBy, sortOrder };
  }
  // RFC 9865: an empty cursor asks for the first page of a cursor-paginated query.
  if (parameters.startIndex !== undefined) {
    throw new ScimError(400, 'use either cursor or startIndex, not both', 'invalidValue');
  }
  if (sortBy !== undefined) {
    throw new ScimError(400, 'cursor pagination follows creation order; sortBy is supported with startIndex only', 'invalidValue');
  }
  const partial = { filter, startIndex: 1, count, sortOrder: 'ascending' as const };
  const cursor: PageCursor | null = cursorText === '' ? null : decodeCursor(cursorText, partial);
  return { ...partial, cursor };
}
