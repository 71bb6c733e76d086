import { Inject, Injectable } from '@nestjs/common';
import type { Database, Statement } from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { ScimUserRow } from '@scim-ledger/read-model';
import { ScimUserView, userFilterToSql, userSortColumn } from '@scim-ledger/scim';
import { READ_MODEL } from '../tokens';

export interface UserPageRequest {
  readonly filter?: string;
  /** 1-based (RFC 7644 §3.4.2.4). */
  readonly startIndex: number;
  readonly count: number;
  readonly sortBy?: string;
  readonly sortOrder: 'ascending' | 'descending';
  /** Cursor pagination (RFC 9865): null for the first page, else the last row served. */
  readonly cursor?: PageCursor | null;
}

/** A row's place in creation order: where a cursor-paginated page resumes. */
export interface PageCursor {
  readonly createdAt: string;
  readonly id: string;
}

export interface UserPage {
  readonly totalResults: number;
  readonly users: ScimUserView[];
  /** Set when cursor pagination has another page. */
  readonly next?: PageCursor;
}

/** The users read model as SCIM queries need it: always scoped to one tenant, never showing IdP-deleted users. */
@Injectable()
export class ScimUsersReadModel {
  /** The hot statements, prepared once on the embedded default's connection. */
  private readonly prepared = new Map<string, Statement>();
  private preparedOn: Database | null = null;

  constructor(@Inject(READ_MODEL) private readonly dataSource: DataSource) {}

  /**
   * Runs a statement with named parameters. On SQLite straight on the
   * connection TypeORM opened, with SQLite's own named parameters: TypeORM's
   * query runner logs, broadcasts and wraps each call, which cost as much as
   * the index probe itself, and its parameter rewriting writes numbers into
   * the text, so every page offset would have been a statement of its own.
   */
  private async run<T>(sql: string, values: Record<string, unknown>): Promise<T[]> {
    const connection = (this.dataSource.driver as unknown as { databaseConnection?: Database }).databaseConnection;
    if (this.dataSource.options.type !== 'better-sqlite3' || !connection) {
      const [text, positional] = this.dataSource.driver.escapeQueryWithParameters(sql, values, {});
      return this.dataSource.query(text, positional);
    }
    if (this.preparedOn !== connection) {
      this.prepared.clear();
      this.preparedOn = connection;
    }
    let statement = this.prepared.get(sql);
    if (!statement) {
      // Statements differ by filter shape only (values are parameters); a bound all the same.
      if (this.prepared.size >= 200) this.prepared.clear();
      statement = connection.prepare(sql);
      this.prepared.set(sql, statement);
    }
    const bound: Record<string, unknown> = {};
    // SQLite has no booleans: TypeORM stores them as 1 and 0.
    for (const [name, value] of Object.entries(values)) bound[name] = typeof value === 'boolean' ? Number(value) : value;
    return statement.all(bound) as T[];
  }

  private visible(tenantId: string) {
    return this.dataSource
      .getRepository(ScimUserRow)
      .createQueryBuilder('u')
      .where('u."tenantId" = :tenantId', { tenantId })
      .andWhere('u."deletedInIdp" = :deleted', { deleted: false });
  }

  findVisible(tenantId: string, id: string): Promise<ScimUserRow | null> {
    return this.visible(tenantId).andWhere('u.id = :id', { id }).getOne();
  }

  /**
   * Whether a page is an index probe: a filter every term of which an index
   * serves, in creation order from the first index. Everything else (plain
   * list pages, sorts, substring and range filters) reads the tenant's rows.
   */
  isIndexedLookup(request: UserPageRequest): boolean {
    if (request.filter === undefined || request.sortBy !== undefined || request.cursor !== undefined || request.startIndex !== 1) return false;
    return userFilterToSql(request.filter, this.dialect(), 'u').cost.unindexedTerms === 0;
  }

  private dialect(): 'postgres' | 'sqlite' {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  async page(tenantId: string, request: UserPageRequest): Promise<UserPage> {
    if (request.cursor === undefined && request.sortBy === undefined) return this.pageInCreationOrder(tenantId, request);
    const query = this.visible(tenantId);
    if (request.filter !== undefined) {
      const dialect = this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
      const { sql, params } = userFilterToSql(request.filter, dialect, 'u');
      query.andWhere(`(${sql})`, params);
    }
    const totalResults = await query.getCount();
    if (request.count === 0) return { totalResults, users: [] };
    if (request.cursor !== undefined) return { totalResults, ...(await this.pageAfter(query, request.cursor, request.count)) };
    const direction = request.sortOrder === 'descending' ? 'DESC' : 'ASC';
    // A stable order: the sort key, then the id as a tie-breaker; users without
    // the attribute come last when ascending, on SQLite as on PostgreSQL (RFC 7644 §3.4.2.3).
    if (request.sortBy) {
      query
        .orderBy(userSortColumn(request.sortBy, 'u'), direction, direction === 'ASC' ? 'NULLS LAST' : 'NULLS FIRST')
        .addOrderBy('u.id', direction);
    }
    else query.orderBy('u."createdAt"', 'ASC').addOrderBy('u.id', 'ASC');
    const rows = await query.offset(request.startIndex - 1).limit(request.count).getMany();
    return { totalResults, users: rows.map(viewOfRow) };
  }

  /**
   * What IdPs ask nearly always (`userName eq "…"` before every create, and
   * plain pages): two plain statements with the columns a view needs, no
   * query builder and no entity hydration, which cost more than SQLite's
   * index lookups (bench/README.md). A first page that is not full holds
   * every match, so its length is totalResults and the COUNT is skipped:
   * a unique filter costs one index probe.
   */
  private async pageInCreationOrder(tenantId: string, request: UserPageRequest): Promise<UserPage> {
    const postgres = this.dataSource.options.type === 'postgres';
    let where = 'u."tenantId" = :tenantId AND u."deletedInIdp" = :deleted';
    let params: Record<string, unknown> = { tenantId, deleted: false };
    if (request.filter !== undefined) {
      const filter = userFilterToSql(request.filter, postgres ? 'postgres' : 'sqlite', 'u');
      where += ` AND (${filter.sql})`;
      params = { ...filter.params, ...params };
    }
    const count = async () => Number((await this.run<{ total: number | string }>(`SELECT COUNT(*) AS total FROM scim_users u WHERE ${where}`, params))[0].total);
    if (request.count === 0) return { totalResults: await count(), users: [] };
    // The limit is written into the text (an integer the request parser bounded): SQLite runs a bound LIMIT
    // 4 times slower here (its sorter cannot be sized in advance); the offset stays a parameter.
    const rows = await this.run<ViewColumns>(
      `SELECT ${VIEW_COLUMNS} FROM scim_users u WHERE ${where} ORDER BY u."createdAt" ASC, u.id ASC LIMIT ${Math.trunc(request.count)} OFFSET :offset`,
      { ...params, offset: request.startIndex - 1 },
    );
    const users = rows.map(viewOfColumns);
    const complete = request.startIndex === 1 && users.length < request.count;
    return { totalResults: complete ? users.length : await count(), users };
  }

  /** Keyset pagination in (createdAt, id) order; one row more than asked tells whether a next page exists. */
  private async pageAfter(query: ReturnType<ScimUsersReadModel['visible']>, cursor: PageCursor | null, count: number) {
    if (cursor) {
      query.andWhere('(u."createdAt" > :afterCreated OR (u."createdAt" = :afterCreated AND u.id > :afterId))', {
        afterCreated: cursor.createdAt,
        afterId: cursor.id,
      });
    }
    const rows = await query.orderBy('u."createdAt"', 'ASC').addOrderBy('u.id', 'ASC').limit(count + 1).getMany();
    if (rows.length <= count) return { users: rows.map(viewOfRow) };
    const page = rows.slice(0, count);
    const last = page[page.length - 1];
    return { users: page.map(viewOfRow), next: { createdAt: last.createdAt, id: last.id } };
  }
}

/** The columns of a view, as the database returns them: SQLite has no booleans. */
type ViewColumns = Pick<ScimUserRow, 'id' | 'userName' | 'email' | 'displayName' | 'givenName' | 'familyName' | 'externalId' | 'userPrincipalName' | 'createdAt' | 'lastModified'> & {
  readonly active: boolean | number;
  readonly revision: number | string;
};

const VIEW_COLUMNS = ['id', 'userName', 'email', 'displayName', 'givenName', 'familyName', 'externalId', 'userPrincipalName', 'active', 'createdAt', 'lastModified', 'revision']
  .map((column) => `u."${column}"`)
  .join(', ');

function viewOfColumns(row: ViewColumns): ScimUserView {
  return viewOfRow({ ...row, active: Boolean(row.active), revision: Number(row.revision) } as ScimUserRow);
}

export function viewOfRow(row: ScimUserRow): ScimUserView {
  return {
    id: row.id,
    profile: {
      userName: row.userName,
      email: row.email,
      displayName: row.displayName,
      givenName: row.givenName,
      familyName: row.familyName,
      externalId: row.externalId,
      userPrincipalName: row.userPrincipalName,
    },
    active: row.active,
    created: row.createdAt,
    lastModified: row.lastModified,
    revision: row.revision,
  };
}
