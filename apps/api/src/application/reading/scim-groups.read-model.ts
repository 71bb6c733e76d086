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
