import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ScimError, ScimUserView } from '@scim-ledger/scim';
import { ScimUsersReadModel, UserPageRequest, viewOfRow } from '../scim-users.read-model';

/** The largest page served, whatever `count` asks (RFC 7644 §3.4.2.4: a server may return fewer). */
export const MAX_PAGE_SIZE = 200;

export interface ScimUserPage {
  readonly totalResults: number;
  readonly startIndex: number;
  readonly users: ScimUserView[];
}

/** GET /Users with filter, startIndex and count. */
export class ListScimUsers {
  constructor(
    readonly tenantId: string,
    readonly query: Record<string, unknown>,
  ) {}
}

@QueryHandler(ListScimUsers)
export class ListScimUsersHandler implements IQueryHandler<ListScimUsers, ScimUserPage> {
  constructor(private readonly users: ScimUsersReadModel) {}

  async execute({ tenantId, query }: ListScimUsers): Promise<ScimUserPage> {
    const request = pageRequest(query);
    const page = await this.users.page(tenantId, request);
    return { totalResults: page.totalResults, startIndex: request.startIndex, users: page.rows.map(viewOfRow) };
  }
}

function pageRequest(query: Record<string, unknown>): UserPageRequest {
  const filter = single(query.filter, 'filter');
  const sortBy = single(query.sortBy, 'sortBy');
  const sortOrder = single(query.sortOrder, 'sortOrder')?.toLowerCase() ?? 'ascending';
  if (sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw new ScimError(400, 'sortOrder must be ascending or descending', 'invalidValue');
  }
  // RFC 7644 §3.4.2.4: startIndex below 1 is read as 1, a negative count as 0.
  const startIndex = Math.max(1, integer(query.startIndex, 'startIndex') ?? 1);
  const count = Math.min(MAX_PAGE_SIZE, Math.max(0, integer(query.count, 'count') ?? MAX_PAGE_SIZE));
  return { filter, startIndex, count, sortBy, sortOrder };
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ScimError(400, `${name} must be given once`, name === 'filter' ? 'invalidFilter' : 'invalidValue');
  return value;
}

function integer(value: unknown, name: string): number | undefined {
  const text = single(value, name);
  if (text === undefined || text === '') return undefined;
  if (!/^-?\d{1,15}$/.test(text)) throw new ScimError(400, `${name} must be an integer`, 'invalidValue');
  return Number(text);
}
