import { Inject, Injectable } from '@nestjs/common';
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
  readonly rows: ScimUserRow[];
  /** Set when cursor pagination has another page. */
  readonly next?: PageCursor;
}

/** The users read model as SCIM queries need it: always scoped to one tenant, never showing IdP-deleted users. */
@Injectable()
export class ScimUsersReadModel {
  constructor(@Inject(READ_MODEL) private readonly dataSource: DataSource) {}

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

  async page(tenantId: string, request: UserPageRequest): Promise<UserPage> {
    const query = this.visible(tenantId);
    if (request.filter !== undefined) {
      const dialect = this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
      const { sql, params } = userFilterToSql(request.filter, dialect, 'u');
      query.andWhere(`(${sql})`, params);
    }
    const totalResults = await query.getCount();
    if (request.count === 0) return { totalResults, rows: [] };
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
    return { totalResults, rows };
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
    if (rows.length <= count) return { rows };
    const page = rows.slice(0, count);
    const last = page[page.length - 1];
    return { rows: page, next: { createdAt: last.createdAt, id: last.id } };
  }
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
