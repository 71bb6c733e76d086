import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ScimGroupMemberRow, ScimGroupRow, ScimUserRow } from '@scim-ledger/read-model';
import { FilterDialect, groupFilterToSql, ScimGroupView } from '@scim-ledger/scim';
import { READ_MODEL } from '../../tokens';

export interface GroupPageRequest {
  readonly filter?: string;
  /** 1-based (RFC 7644 §3.4.2.4). */
  readonly startIndex: number;
  readonly count: number;
  /** False when the response leaves members out (excludedAttributes=members): they are then never read. */
  readonly withMembers: boolean;
}

export interface GroupPage {
  readonly totalResults: number;
  readonly groups: ScimGroupView[];
}

/** Ids in one statement at most: both databases bound their parameters (SQLite 32,766). */
const IDS_PER_STATEMENT = 1_000;

/**
 * The groups read model as SCIM reads it (rule G1): always one tenant's. A
 * group's members are read only when the answer shows them, with their users'
 * display names in the same statement.
 */
@Injectable()
export class ScimGroupsReadModel {
  constructor(@Inject(READ_MODEL) private readonly dataSource: DataSource) {}

  private get dialect(): FilterDialect {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  private table(entity: new () => object): string {
    return `"${this.dataSource.getMetadata(entity).tableName}"`;
  }

  private run<T>(sql: string, values: Record<string, unknown>): Promise<T[]> {
    const [text, positional] = this.dataSource.driver.escapeQueryWithParameters(sql, values, {});
    return this.dataSource.query(text, positional);
  }

  async find(tenantId: string, groupId: string, withMembers: boolean): Promise<ScimGroupView | null> {
    const [row] = await this.run<ScimGroupRow>(`SELECT * FROM ${this.table(ScimGroupRow)} g WHERE g."tenantId" = :tenantId AND g.id = :groupId`, {
      tenantId,
      groupId,
    });
    if (!row) return null;
    const members = withMembers ? ((await this.membersOf([groupId])).get(groupId) ?? []) : null;
    return viewOf(row, members);
  }

  async page(tenantId: string, request: GroupPageRequest): Promise<GroupPage> {
    const filter =
      request.filter === undefined ? null : groupFilterToSql(request.filter, this.dialect, 'g', this.dataSource.getMetadata(ScimGroupMemberRow).tableName);
    const where = `g."tenantId" = :tenantId${filter ? ` AND ${filter.sql}` : ''}`;
    const params = { ...(filter?.params ?? {}), tenantId };
    const [{ total }] = await this.run<{ total: number | string }>(`SELECT COUNT(*) AS total FROM ${this.table(ScimGroupRow)} g WHERE ${where}`, params);
    if (request.count === 0) return { totalResults: Number(total), groups: [] };
    const rows = await this.run<ScimGroupRow>(
      `SELECT g.* FROM ${this.table(ScimGroupRow)} g WHERE ${where} ORDER BY g."createdAt" ASC, g.id ASC LIMIT ${Math.trunc(request.count)} OFFSET :offset`,
      { ...params, offset: request.startIndex - 1 },
    );
    const members = request.withMembers ? await this.membersOf(rows.map((row) => row.id)) : null;
    return { totalResults: Number(total), groups: rows.map((row) => viewOf(row, members ? (members.get(row.id) ?? []) : null)) };
  }

  /** Which of these ids are users of the tenant that SCIM sees (rule G1: members are users of the same tenant). */
  async knownUserIds(tenantId: string, userIds: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (let i = 0; i < userIds.length; i += IDS_PER_STATEMENT) {
      const ids = userIds.slice(i, i + IDS_PER_STATEMENT);
      const rows = await this.run<{ id: string }>(
        `SELECT u.id AS id FROM ${this.table(ScimUserRow)} u WHERE u."tenantId" = :tenantId AND u."deletedInIdp" = :deleted AND u.id IN (:...ids)`,
        { tenantId, deleted: false, ids },
      );
      for (const row of rows) known.add(row.id);
    }
    return known;
  }

  /** The display names of these users, for the members of a write's answer. */
  async displayNames(tenantId: string, userIds: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (let i = 0; i < userIds.length; i += IDS_PER_STATEMENT) {
      const ids = userIds.slice(i, i + IDS_PER_STATEMENT);
      const rows = await this.run<{ id: string; displayName: string }>(
        `SELECT u.id AS id, u."displayName" AS "displayName" FROM ${this.table(ScimUserRow)} u WHERE u."tenantId" = :tenantId AND u.id IN (:...ids)`,
        { tenantId, ids },
      );
      for (const row of rows) names.set(row.id, row.displayName);
    }
    return names;
  }

  /** A user's read-only `groups` (RFC 7643 §4.1.2), from the membership rows' index on tenant and user. */
  async groupsOf(tenantId: string, userId: string): Promise<{ value: string; display: string }[]> {
    return (await this.groupsOfUsers(tenantId, [userId])).get(userId) ?? [];
  }

  /** The `groups` of a page of users, in one statement per thousand users. */
  async groupsOfUsers(tenantId: string, userIds: readonly string[]): Promise<Map<string, { value: string; display: string }[]>> {
    const groups = new Map<string, { value: string; display: string }[]>();
    for (let i = 0; i < userIds.length; i += IDS_PER_STATEMENT) {
      const ids = userIds.slice(i, i + IDS_PER_STATEMENT);
      const rows = await this.run<{ userId: string; value: string; display: string }>(
        `SELECT m."userId" AS "userId", g.id AS value, g."displayName" AS display FROM ${this.table(ScimGroupMemberRow)} m ` +
          `JOIN ${this.table(ScimGroupRow)} g ON g.id = m."groupId" WHERE m."tenantId" = :tenantId AND m."userId" IN (:...ids) ` +
          `ORDER BY g."displayNameLower" ASC, g.id ASC`,
        { tenantId, ids },
      );
      for (const row of rows) {
        const list = groups.get(row.userId) ?? [];
        list.push({ value: row.value, display: row.display });
        groups.set(row.userId, list);
      }
    }
    return groups;
  }

  /**
   * The admin's list of the tenant's groups (issue 19, item 5): those whose
   * display name holds `nameKey` (groupNameKey of the text searched), by name.
   */
  async searchForAdmin(
    tenantId: string,
    search: { readonly nameKey?: string; readonly startIndex: number; readonly count: number },
  ): Promise<{ total: number; groups: AdminGroupSummary[] }> {
    const contains = search.nameKey === undefined ? '' : ` AND g."displayNameLower" LIKE :text ESCAPE '\\'`;
    const params = { tenantId, text: `%${(search.nameKey ?? '').replace(/[\\%_]/g, (c) => `\\${c}`)}%` };
    const where = `g."tenantId" = :tenantId${contains}`;
    const [{ total }] = await this.run<{ total: number | string }>(`SELECT COUNT(*) AS total FROM ${this.table(ScimGroupRow)} g WHERE ${where}`, params);
    const rows = await this.run<ScimGroupRow & { members: number | string }>(
      `SELECT g.*, (SELECT COUNT(*) FROM ${this.table(ScimGroupMemberRow)} m WHERE m."groupId" = g.id) AS members FROM ${this.table(ScimGroupRow)} g ` +
        `WHERE ${where} ORDER BY g."displayNameLower" ASC, g.id ASC LIMIT ${Math.trunc(search.count)} OFFSET :offset`,
      { ...params, offset: search.startIndex - 1 },
    );
    return { total: Number(total), groups: rows.map((row) => ({ ...adminSummaryOf(row), members: Number(row.members) })) };
  }

  /** One group of the tenant as the admin reads it, without its members; null when the tenant has no such group. */
  async adminGroup(tenantId: string, groupId: string): Promise<(AdminGroupSummary & { members: number }) | null> {
    const [row] = await this.run<ScimGroupRow & { members: number | string }>(
      `SELECT g.*, (SELECT COUNT(*) FROM ${this.table(ScimGroupMemberRow)} m WHERE m."groupId" = g.id) AS members FROM ${this.table(ScimGroupRow)} g ` +
        `WHERE g."tenantId" = :tenantId AND g.id = :groupId`,
      { tenantId, groupId },
    );
    return row ? { ...adminSummaryOf(row), members: Number(row.members) } : null;
  }

  /** A page of a group's members (1-based `startIndex`), by user id: the membership key's order, so a page of 100,000 reads only itself. */
  async memberPage(
    groupId: string,
    page: { readonly startIndex: number; readonly count: number },
  ): Promise<{ id: string; userName: string | null; displayName: string | null }[]> {
    if (page.count === 0) return [];
    return this.run<{ id: string; userName: string | null; displayName: string | null }>(
      `SELECT m."userId" AS id, u."userName" AS "userName", u."displayName" AS "displayName" FROM ${this.table(ScimGroupMemberRow)} m ` +
        `LEFT JOIN ${this.table(ScimUserRow)} u ON u.id = m."userId" WHERE m."groupId" = :groupId ORDER BY m."userId" ASC LIMIT ${Math.trunc(page.count)} OFFSET :offset`,
      { groupId, offset: page.startIndex - 1 },
    );
  }

  private async membersOf(groupIds: readonly string[]): Promise<Map<string, { value: string; display: string | null }[]>> {
    const members = new Map<string, { value: string; display: string | null }[]>();
    for (let i = 0; i < groupIds.length; i += IDS_PER_STATEMENT) {
      const ids = groupIds.slice(i, i + IDS_PER_STATEMENT);
      if (ids.length === 0) continue;
      const rows = await this.run<{ groupId: string; value: string; display: string | null }>(
        `SELECT m."groupId" AS "groupId", m."userId" AS value, u."displayName" AS display FROM ${this.table(ScimGroupMemberRow)} m ` +
          `LEFT JOIN ${this.table(ScimUserRow)} u ON u.id = m."userId" WHERE m."groupId" IN (:...ids) ORDER BY m."groupId", m."userId"`,
        { ids },
      );
      for (const row of rows) {
        const list = members.get(row.groupId) ?? [];
        list.push({ value: row.value, display: row.display });
        members.set(row.groupId, list);
      }
    }
    return members;
  }
}

/** A group as the admin API lists it. */
export interface AdminGroupSummary {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly createdAt: string;
  readonly lastModified: string;
  readonly revision: number;
}

function adminSummaryOf(row: ScimGroupRow): AdminGroupSummary {
  return {
    id: row.id,
    displayName: row.displayName,
    externalId: row.externalId,
    createdAt: row.createdAt,
    lastModified: row.lastModified,
    revision: Number(row.revision),
  };
}

function viewOf(row: ScimGroupRow, members: ScimGroupView['members']): ScimGroupView {
  return {
    id: row.id,
    displayName: row.displayName,
    externalId: row.externalId,
    members,
    created: row.createdAt,
    lastModified: row.lastModified,
    revision: Number(row.revision),
  };
}
