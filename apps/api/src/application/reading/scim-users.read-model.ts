import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Database, Statement } from 'better-sqlite3';
import { DataSource } from 'typeorm';
import type { UserAttributes } from '@scim-ledger/domain';
import { hydratedRow, ScimUserRow } from '@scim-ledger/read-model';
import { type FilterDialect, ScimUserView, sqlLower, userFilterToSql, UserFilterSql, userSortColumn } from '@scim-ledger/scim';
import { APP_CONFIG, AppConfig, READ_MODEL } from '../../tokens';
import { isStatementTimeout, QueryTimedOut } from './read-budget';
import { SqliteReadWorkers } from './sqlite-read-workers';

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

/** What the admin's user list narrows by (all optional but the page). */
export interface AdminUserSearch {
  readonly status?: 'Active' | 'Preserved';
  readonly profileId?: string;
  readonly storageId?: string;
  /** Text found in userName, email (both in their canonical form) or displayName. */
  readonly text?: { readonly folded: string; readonly lowerCase: string };
  /** 1-based. */
  readonly startIndex: number;
  readonly count: number;
}

/** The users read model as SCIM queries need it: always scoped to one tenant, never showing IdP-deleted users. */
@Injectable()
export class ScimUsersReadModel implements OnModuleDestroy {
  /** The hot statements, prepared once on the embedded default's connection. */
  private readonly prepared = new Map<string, Statement>();
  private preparedOn: Database | null = null;

  /** Each request's filter, translated once for the cost check and the query. */
  private readonly translations = new WeakMap<UserPageRequest, UserFilterSql>();
  private workers: SqliteReadWorkers | null = null;

  constructor(
    @Inject(READ_MODEL) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'queryTimeoutMs' | 'sqliteReadWorkers' | 'readModel'>,
  ) {}

  private get dialect(): FilterDialect {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  async onModuleDestroy(): Promise<void> {
    await this.workers?.close();
    this.workers = null;
  }

  /**
   * Runs a statement with named parameters. On SQLite straight on the
   * connection TypeORM opened, with SQLite's own named parameters: TypeORM's
   * query runner logs, broadcasts and wraps each call, which cost as much as
   * the index probe itself, and its parameter rewriting writes numbers into
   * the text, so every page offset would have been a statement of its own.
   */
  private async run<T>(sql: string, values: Record<string, unknown>): Promise<T[]> {
    const connection = this.sqliteConnection();
    if (!connection) {
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
    return statement.all(sqliteValues(values)) as T[];
  }

  private sqliteConnection(): Database | null {
    if (this.dataSource.options.type !== 'better-sqlite3') return null;
    return (this.dataSource.driver as unknown as { databaseConnection?: Database }).databaseConnection ?? null;
  }

  /**
   * Where an expensive read's statements run, within SCIM_QUERY_TIMEOUT_MS:
   * on PostgreSQL in one transaction with SET LOCAL statement_timeout (the
   * pool's other users, the projector among them, keep no time-out); on a
   * SQLite file in the read workers, off the event loop. An in-memory SQLite
   * (tests) has no file another connection could open: it reads here, bounded
   * by the filter budget only.
   */
  async expensively<T>(work: (run: ReadModelStatements) => Promise<T>): Promise<T> {
    const timeoutMs = this.config.queryTimeoutMs;
    if (this.dataSource.options.type === 'postgres') {
      if (timeoutMs === 0) return work((sql, values) => this.run(sql, values));
      const runner = this.dataSource.createQueryRunner();
      try {
        await runner.connect();
        await runner.startTransaction();
        await runner.query(`SET LOCAL statement_timeout = ${Math.trunc(timeoutMs)}`);
        const result = await work((sql, values) => {
          const [text, positional] = this.dataSource.driver.escapeQueryWithParameters(sql, values, {});
          return runner.query(text, positional);
        });
        await runner.commitTransaction();
        return result;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw isStatementTimeout(error) ? new QueryTimedOut(timeoutMs) : error;
      } finally {
        await runner.release();
      }
    }
    const workers = this.readWorkers();
    if (!workers) return work((sql, values) => this.run(sql, values));
    return work((sql, values) => workers.all(sql, sqliteValues(values), timeoutMs));
  }

  private readWorkers(): SqliteReadWorkers | null {
    const { readModel, sqliteReadWorkers } = this.config;
    if (readModel.type !== 'sqlite' || readModel.file === ':memory:' || sqliteReadWorkers === 0 || !this.sqliteConnection()) return null;
    if (this.workers?.usable) return this.workers;
    // Started on the first expensive read, when the file and its WAL exist.
    if (!this.workers) this.workers = new SqliteReadWorkers(readModel.file, sqliteReadWorkers);
    return this.workers.usable ? this.workers : null;
  }

  private translated(request: UserPageRequest): UserFilterSql | undefined {
    if (request.filter === undefined) return undefined;
    let translation = this.translations.get(request);
    if (!translation) {
      translation = userFilterToSql(request.filter, this.dialect, 'u');
      this.translations.set(request, translation);
    }
    return translation;
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
   * Whether a page is an index probe: a conjunction of terms an index serves,
   * at least one on a unique value (id, userName), in creation order from the first index. Everything else (plain
   * list pages, sorts, substring and range filters) reads the tenant's rows.
   */
  isIndexedLookup(request: UserPageRequest): boolean {
    if (request.filter === undefined || request.sortBy !== undefined || request.cursor !== undefined || request.startIndex !== 1) return false;
    const { cost } = this.translated(request)!;
    // Indexed terms only, no or, and one that names a single user: the page holds at most one row.
    return cost.unindexedTerms === 0 && cost.disjunctions === 0 && cost.uniqueValueTerms > 0;
  }

  /**
   * What IdPs ask nearly always (`userName eq "…"` before every create, and
   * plain pages): plain statements with the columns a view needs, no query
   * builder and no entity hydration, which cost more than SQLite's index
   * lookups (bench/README.md). An index probe runs here; every other page
   * within the query time-out, off the event loop on SQLite.
   */
  page(tenantId: string, request: UserPageRequest): Promise<UserPage> {
    if (this.isIndexedLookup(request)) return this.pageOf(tenantId, request, (sql, values) => this.run(sql, values));
    return this.expensively((run) => this.pageOf(tenantId, request, run));
  }

  private async pageOf(tenantId: string, request: UserPageRequest, run: Run): Promise<UserPage> {
    let where = 'u."tenantId" = :tenantId AND u."deletedInIdp" = :deleted';
    let params: Record<string, unknown> = { tenantId, deleted: false };
    const filter = this.translated(request);
    if (filter) {
      where += ` AND (${filter.sql})`;
      params = { ...filter.params, ...params };
    }
    const count = async () => Number((await run<{ total: number | string }>(`SELECT COUNT(*) AS total FROM scim_users u WHERE ${where}`, params))[0].total);
    if (request.count === 0) return { totalResults: await count(), users: [] };
    // The limit is written into the text (an integer the request parser bounded): SQLite runs a bound LIMIT
    // 4 times slower here (its sorter cannot be sized in advance); the offset stays a parameter.
    const limit = Math.trunc(request.count);
    if (request.cursor !== undefined) return { totalResults: await count(), ...(await this.pageAfter(where, params, request.cursor, limit, run)) };
    let order = 'u."createdAt" ASC, u.id ASC';
    if (request.sortBy !== undefined) {
      // A stable order: the sort key, then the id as a tie-breaker; users without
      // the attribute come last when ascending, on SQLite as on PostgreSQL (RFC 7644 §3.4.2.3).
      const direction = request.sortOrder === 'descending' ? 'DESC' : 'ASC';
      order = `${userSortColumn(request.sortBy, this.dialect, 'u')} ${direction} ${direction === 'ASC' ? 'NULLS LAST' : 'NULLS FIRST'}, u.id ${direction}`;
    }
    const rows = await run<ViewColumns>(`SELECT ${VIEW_COLUMNS} FROM scim_users u WHERE ${where} ORDER BY ${order} LIMIT ${limit} OFFSET :offset`, {
      ...params,
      offset: request.startIndex - 1,
    });
    const users = rows.map(viewOfColumns);
    // A first page that is not full holds every match, so its length is totalResults and the COUNT is
    // skipped: a unique filter costs one index probe.
    const complete = request.startIndex === 1 && users.length < request.count;
    return { totalResults: complete ? users.length : await count(), users };
  }

  /**
   * The admin's user list, IdP-deleted users included (rule L4): a text search
   * reads the tenant's rows, so it is an expensive read like a substring filter,
   * off the event loop on SQLite and within SCIM_QUERY_TIMEOUT_MS (issue 15).
   */
  searchForAdmin(tenantId: string, search: AdminUserSearch): Promise<{ total: number; rows: ScimUserRow[] }> {
    const conditions = ['u."tenantId" = :tenantId'];
    const params: Record<string, unknown> = { tenantId };
    for (const column of ['status', 'profileId', 'storageId'] as const) {
      if (search[column] === undefined) continue;
      conditions.push(`u."${column}" = :${column}`);
      params[column] = search[column];
    }
    if (search.text) {
      const contains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conditions.push(
        `(u."userNameLower" LIKE :folded ESCAPE '\\' OR u."emailLower" LIKE :folded ESCAPE '\\' OR ${sqlLower(this.dialect, 'u."displayName"')} LIKE :lowerCase ESCAPE '\\')`,
      );
      params.folded = contains(search.text.folded);
      params.lowerCase = contains(search.text.lowerCase);
    }
    const where = conditions.join(' AND ');
    return this.expensively(async (run) => {
      const [{ total }] = await run<{ total: number | string }>(`SELECT COUNT(*) AS total FROM scim_users u WHERE ${where}`, params);
      const rows = await run<Record<string, unknown>>(
        `SELECT u.* FROM scim_users u WHERE ${where} ORDER BY u."userNameLower" ASC, u.id ASC LIMIT ${Math.trunc(search.count)} OFFSET :offset`,
        { ...params, offset: search.startIndex - 1 },
      );
      return { total: Number(total), rows: rows.map((row) => hydratedRow(this.dataSource, ScimUserRow, row)) };
    });
  }

  /** Keyset pagination in (createdAt, id) order; one row more than asked tells whether a next page exists. */
  private async pageAfter(where: string, params: Record<string, unknown>, cursor: PageCursor | null, count: number, run: Run) {
    const after = cursor ? ' AND (u."createdAt" > :afterCreated OR (u."createdAt" = :afterCreated AND u.id > :afterId))' : '';
    const values = cursor ? { ...params, afterCreated: cursor.createdAt, afterId: cursor.id } : params;
    const rows = (
      await run<ViewColumns>(`SELECT ${VIEW_COLUMNS} FROM scim_users u WHERE ${where}${after} ORDER BY u."createdAt" ASC, u.id ASC LIMIT ${count + 1}`, values)
    ).map(viewOfColumns);
    if (rows.length <= count) return { users: rows };
    const page = rows.slice(0, count);
    const last = page[page.length - 1];
    return { users: page, next: { createdAt: last.created, id: last.id } };
  }
}

/**
 * Runs a statement with named parameters (`:name`) on the read model: on the
 * main connection, in a read worker, or in a PostgreSQL transaction with a
 * time-out. Booleans are bound as SQLite stores them.
 */
export type ReadModelStatements = <T>(sql: string, values: Record<string, unknown>) => Promise<T[]>;
type Run = ReadModelStatements;

/** SQLite has no booleans: TypeORM stores them as 1 and 0. */
function sqliteValues(values: Record<string, unknown>): Record<string, unknown> {
  const bound: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) bound[name] = typeof value === 'boolean' ? Number(value) : value;
  return bound;
}

/** The columns of a view, as the database returns them: SQLite has no booleans. */
type ViewColumns = Pick<
  ScimUserRow,
  'id' | 'userName' | 'email' | 'displayName' | 'givenName' | 'familyName' | 'externalId' | 'userPrincipalName' | 'attributes' | 'createdAt' | 'lastModified'
> & {
  readonly active: boolean | number;
  readonly revision: number | string;
};

const VIEW_COLUMNS = [
  'id',
  'userName',
  'email',
  'displayName',
  'givenName',
  'familyName',
  'externalId',
  'userPrincipalName',
  'attributes',
  'active',
  'createdAt',
  'lastModified',
  'revision',
]
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
      attributes: JSON.parse(row.attributes) as UserAttributes,
    },
    active: row.active,
    created: row.createdAt,
    lastModified: row.lastModified,
    revision: row.revision,
  };
}
