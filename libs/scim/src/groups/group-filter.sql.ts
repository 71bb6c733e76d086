import type { Filter } from 'scim2-parse-filter';
import { groupNameKey } from '@scim-ledger/domain';
import { ScimError } from '../scim-error';
import { CORE_GROUP_SCHEMA } from '../discovery/schema-definition';
import { decodeCompValue, FilterDialect, parseFilter } from '../filter/user-filter.sql';

/** A boolean SQL expression over one scim_groups row (alias `g`) and its named parameters. */
export interface GroupFilterSql {
  readonly sql: string;
  readonly params: Record<string, unknown>;
}

const invalidFilter = (detail: string) => new ScimError(400, detail, 'invalidFilter');
const q = (name: string) => `"${name}"`;

/**
 * Translates an RFC 7644 §3.4.2.2 filter on the Group resource into SQL over
 * scim_groups and scim_group_members, parsed by the Users' parser (its bounds
 * too). What Entra ID and Okta send, and the Users' operators where they
 * apply: displayName (case-insensitive), externalId and id with eq, ne, co,
 * sw, ew and pr; members and members.value with eq and pr, also as
 * `members[value eq "…"]`; meta.created and meta.lastModified compared as
 * instants; and, or, not. Anything else is a 400 invalidFilter, never a 500.
 */
export function groupFilterToSql(filter: string, dialect: FilterDialect, alias = 'g', membersTable = 'scim_group_members'): GroupFilterSql {
  const translation = new GroupFilterTranslation(dialect, alias, membersTable);
  return { sql: translation.filter(parseFilter(filter), false), params: translation.params };
}

type Column = {
  readonly column: string;
  readonly caseExact: boolean;
  readonly lower?: string;
  readonly nullable: boolean;
  readonly type: 'string' | 'dateTime';
};

const COLUMNS: Readonly<Record<string, Column>> = {
  id: { column: 'id', caseExact: true, nullable: false, type: 'string' },
  displayname: { column: 'displayName', caseExact: false, lower: 'displayNameLower', nullable: false, type: 'string' },
  externalid: { column: 'externalId', caseExact: true, nullable: true, type: 'string' },
  'meta.created': { column: 'createdAt', caseExact: true, nullable: false, type: 'dateTime' },
  'meta.lastmodified': { column: 'lastModified', caseExact: true, nullable: false, type: 'dateTime' },
};

class GroupFilterTranslation {
  readonly params: Record<string, unknown> = {};
  private next = 0;

  constructor(
    private readonly dialect: FilterDialect,
    private readonly alias: string,
    private readonly membersTable: string,
  ) {}

  private param(value: unknown): string {
    const name = `gf${this.next++}`;
    this.params[name] = value;
    return `:${name}`;
  }

  filter(node: Filter, insideMembers: boolean): string {
    if (typeof node !== 'object' || node === null) throw invalidFilter('the filter is incomplete');
    switch (node.op) {
      case 'and':
      case 'or':
        return `(${node.filters.map((f) => this.filter(f, insideMembers)).join(` ${node.op.toUpperCase()} `)})`;
      case 'not':
        return `(NOT ${this.filter(node.filter, insideMembers)})`;
      case '[]': {
        if (insideMembers || attributeName(node.attrPath) !== 'members') throw invalidFilter(`"${node.attrPath}[…]" is not a filter on members`);
        return this.filter(node.valFilter, true);
      }
      case 'pr': {
        const name = attributeName(node.attrPath);
        if (insideMembers ? name === 'value' : name === 'members' || name === 'members.value') return this.membership(null);
        const column = this.column(name, node.attrPath);
        return column.nullable ? `(${this.ref(column.column)} IS NOT NULL AND ${this.ref(column.column)} <> '')` : '1 = 1';
      }
      default:
        return this.comparison(node.op, node.attrPath, node.compValue, insideMembers);
    }
  }

  private comparison(op: string, attrPath: string, compValue: unknown, insideMembers: boolean): string {
    const name = attributeName(attrPath);
    if (typeof compValue !== 'string') throw invalidFilter(`${attrPath} is compared with a string; got ${JSON.stringify(compValue)}`);
    const value = decodeCompValue(compValue);
    if (insideMembers ? name === 'value' : name === 'members' || name === 'members.value') {
      if (op !== 'eq') throw invalidFilter(`members can be filtered with eq and pr only, not ${op}`);
      return this.membership(value);
    }
    const column = this.column(name, attrPath);
    if (column.type === 'dateTime') {
      const operators: Record<string, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };
      if (!operators[op] || Number.isNaN(Date.parse(value))) throw invalidFilter(`${attrPath} is compared as an instant with eq, ne, gt, ge, lt or le`);
      return `${this.ref(column.column)} ${operators[op]} ${this.param(new Date(value).toISOString())}`;
    }
    const [target, compared] = column.caseExact ? [this.ref(column.column), value] : [this.ref(column.lower!), groupNameKey(value)];
    const p = (text: string) => this.param(text);
    const nullSafe = (sql: string) => (column.nullable ? `(${target} IS NOT NULL AND ${sql})` : sql);
    switch (op) {
      case 'eq':
        return nullSafe(`${target} = ${p(compared)}`);
      case 'ne':
        return column.nullable ? `(${target} IS NULL OR ${target} <> ${p(compared)})` : `${target} <> ${p(compared)}`;
      case 'co':
        return nullSafe(this.dialect === 'postgres' ? `STRPOS(${target}, ${p(compared)}) > 0` : `INSTR(${target}, ${p(compared)}) > 0`);
      case 'sw': {
        const v = p(compared);
        return nullSafe(`SUBSTR(${target}, 1, LENGTH(${v})) = ${v}`);
      }
      case 'ew': {
        const v = p(compared);
        return nullSafe(this.dialect === 'postgres' ? `RIGHT(${target}, LENGTH(${v})) = ${v}` : `SUBSTR(${target}, -LENGTH(${v})) = ${v}`);
      }
      default:
        throw invalidFilter(`${attrPath} cannot be compared with ${op}`);
    }
  }

  /** A membership test reads the members' index (primary key group, user), never the whole list. */
  private membership(userId: string | null): string {
    const m = `${this.membersTable}_${this.next}`;
    const member = userId === null ? '' : ` AND ${q(m)}.${q('userId')} = ${this.param(userId)}`;
    return `EXISTS (SELECT 1 FROM ${q(this.membersTable)} ${q(m)} WHERE ${q(m)}.${q('groupId')} = ${this.ref('id')}${member})`;
  }

  private column(name: string, attrPath: string): Column {
    const column = COLUMNS[name];
    if (!column)
      throw invalidFilter(`groups cannot be filtered by "${attrPath}": displayName, externalId, id, members, meta.created and meta.lastModified can`);
    return column;
  }

  private ref(column: string): string {
    return `${q(this.alias)}.${q(column)}`;
  }
}

function attributeName(attrPath: string): string {
  const lower = attrPath.toLowerCase();
  const urn = `${CORE_GROUP_SCHEMA.toLowerCase()}:`;
  return lower.startsWith(urn) ? lower.slice(urn.length) : lower;
}
