import { parse, type Filter } from 'scim2-parse-filter';
import { quoteBareValues } from './bare-values';
import { ScimError } from '../scim-error';
import { emailKey, foldText, sanitiseUserName, SIMPLE_LOWER_SQL_FUNCTION } from '@scim-ledger/domain';
import { isStorableText } from '../storable-text';
import { documentValue, hasValues, memberValue, sortValueOf, valuesOf } from './user-document.sql';
import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../scim-schemas';
import { AttributeDefinition, SchemaDefinition, UserColumn } from '../discovery/schema-definition';
import { CORE_USER_SCHEMA_DEFINITION, RESOURCE_SCHEMAS } from '../discovery/user-schemas';

export type FilterDialect = 'sqlite' | 'postgres';

/** A boolean SQL expression over one scim_users row and its named parameters, for `qb.andWhere(sql, params)`. */
export interface UserFilterSql {
  readonly sql: string;
  readonly params: Record<string, unknown>;
  readonly cost: FilterCost;
}

/** What a filter asks of the database, counted while it is translated. */
export interface FilterCost {
  /** Comparisons and `pr` tests, inside value paths too. */
  readonly terms: number;
  /** Terms no index of scim_users serves: each reads every user of the tenant. */
  readonly unindexedTerms: number;
  /**
   * `or`s joining two or more terms. SQLite plans even a disjunction of indexed
   * equalities as a walk of the tenant's rows (its OR optimisation loses to the
   * index that gives the page order), so such a filter is no index probe.
   */
  readonly disjunctions: number;
  /**
   * Indexed equalities on a value no two users of a tenant share (id,
   * userName). One on externalId or an email address alone is served by an
   * index but can match a whole tenant, so only a filter holding one of these
   * is an index probe (found by the fourth attack on issue 15).
   */
  readonly uniqueValueTerms: number;
}

/** Bounds on what a client may make us parse and the database plan (RFC 7644 §7: limit resource use). */
export const MAX_FILTER_LENGTH = 4096;
export const MAX_FILTER_DEPTH = 32;
/**
 * The complexity budget: the length bound alone let ~150 `co` terms through,
 * 200-300 ms of database work per request over 20k users (issue 15, finding 3).
 * IdPs send one or two indexed `eq` terms; an admin's search a few substrings.
 */
export const MAX_FILTER_TERMS = 50;
export const MAX_UNINDEXED_FILTER_TERMS = 10;

/** What the read model's indexes serve: `eq` on these (lower-cased copies where case-insensitive). */
const INDEXED_EQUALITY = new Set<FilterColumn>(['id', 'externalId', 'userName']);
/** Of those, the ones no two users of a tenant share: the id, and userName (its address is claimed, rule L8). */
const UNIQUE_EQUALITY = new Set<FilterColumn>(['id', 'userName']);

/**
 * Translates an RFC 7644 §3.4.2.2 filter on the User resource into SQL over
 * the scim_users read model, so the database filters and the server never
 * loads users to test them. Values only ever travel as parameters.
 *
 * Logic is two-valued: every fragment is TRUE or FALSE, never NULL, so `not`
 * is a plain NOT and an absent attribute is simply "not equal" (`ne`, `not`
 * include users whose attribute is null).
 *
 * Anything the filter cannot mean is a 400 invalidFilter (RFC 7644 §3.12).
 */
export function userFilterToSql(filter: string, dialect: FilterDialect, alias = 'u'): UserFilterSql {
  const tree = parseFilter(filter);
  const translation = new FilterTranslation(dialect, alias);
  const sql = translation.filter(tree, TOP_LEVEL, 1);
  return { sql, params: translation.params, cost: translation.cost() };
}

/**
 * The ORDER BY expression for RFC 7644 §3.4.2.3 sortBy. Case-insensitive
 * attributes sort by their lower-cased value, as the RFC asks.
 * The caller adds the direction and, because the RFC sorts missing values
 * last when ascending and first when descending while SQLite puts NULLs first,
 * TypeORM's `nulls` argument ('NULLS LAST' ascending, 'NULLS FIRST' descending).
 *
 * An attribute we cannot sort by is a 400 invalidValue: RFC 7644 §3.12 keeps
 * invalidFilter for the filter parameter, and invalidValue is its scimType for
 * "a value not compatible with the operation".
 */
export function userSortColumn(sortBy: string, dialect: FilterDialect, alias = 'u'): string {
  const path = canonicalPath(sortBy.trim());
  // The primary email is the user's address (rule L1), kept in its column: emails sort by it.
  if (path === 'emails' || path === 'emails.value') return `${quoteIdentifier(alias)}.${quoteIdentifier('emailLower')}`;
  const attribute = USER_ATTRIBUTES.get(path);
  // A multi-valued attribute sorts by its value's `value`, a sub-attribute by itself, of the primary value else the first.
  const member = attribute?.kind === 'complex' && attribute.multiValued ? USER_ATTRIBUTES.get(`${attribute.name}.value`.toLowerCase()) : attribute;
  if (member?.kind === 'member' && member.of.path) {
    const value = sortValueOf(dialect, alias, member.of.path, member.key);
    // RFC 7644 §3.4.2.3: a case-insensitive attribute sorts case-insensitively.
    return member.caseExact || member.type !== 'string' ? value : sqlLower(dialect, value);
  }
  if (attribute?.kind === 'document') {
    const value = documentValue(dialect, alias, attribute.path, attribute.type);
    return attribute.caseExact || attribute.type !== 'string' ? value : sqlLower(dialect, value);
  }
  if (!attribute || attribute.kind !== 'column') {
    throw new ScimError(400, `users cannot be sorted by "${sortBy}"`, 'invalidValue');
  }
  const column = `${quoteIdentifier(alias)}.${quoteIdentifier(attribute.column)}`;
  if (attribute.caseExact || attribute.type !== 'string') return column;
  return attribute.lowerColumn ? `${quoteIdentifier(alias)}.${quoteIdentifier(attribute.lowerColumn)}` : sqlLower(dialect, column);
}

/**
 * lower() of a case-insensitive text by Unicode's simple mapping on both
 * databases: PostgreSQL's own, and on SQLite (whose LOWER maps ASCII only)
 * the function every read-model connection registers (simpleLowerCase).
 */
export function sqlLower(dialect: FilterDialect, expression: string): string {
  return dialect === 'postgres' ? `LOWER(${expression})` : `${SIMPLE_LOWER_SQL_FUNCTION}(${expression})`;
}

// ---------------------------------------------------------------------------
// Parsing

const invalidFilter = (detail: string) => new ScimError(400, detail, 'invalidFilter');

/** A comparison or presence operator: a word of its own after an attribute path. */
const OPERATOR_WORD = /\s(?:eq|ne|co|sw|ew|gt|ge|lt|le|pr)(?=[\s)\]]|$)/gi;

const tooManyTerms = () => invalidFilter(`the filter has more than ${MAX_FILTER_TERMS} comparisons; at most ${MAX_FILTER_TERMS} are allowed`);
const tooManyUnindexedTerms = () =>
  invalidFilter(
    `the filter has more than ${MAX_UNINDEXED_FILTER_TERMS} comparisons that read every user (co, sw, ew, ne, gt, ge, lt, le, pr, ` +
      `or eq on an attribute other than id, externalId and userName); at most ${MAX_UNINDEXED_FILTER_TERMS} are allowed`,
  );

/** A JSON string literal exactly as the scim2-parse-filter tokenizer finds it. */
const QUOTED_LITERAL = /"(?:[^"\\]|\\[\s\S])*"/g;

/**
 * The filter's bounds that cost far less to check than a parse: its length,
 * nesting and number of terms, counted from the operator words outside quoted
 * values. The edge runs it before anything else of a request, so that a flood
 * of refusals costs as little as possible (issue 15, finding 3); parseFilter
 * runs it again for every other caller.
 */
export function refuseFilterOverBudget(text: string): void {
  if (text.length > MAX_FILTER_LENGTH) {
    throw invalidFilter(`the filter is longer than ${MAX_FILTER_LENGTH} characters`);
  }
  const skeleton = text.replace(QUOTED_LITERAL, '""');
  if (bracketDepth(skeleton) > MAX_FILTER_DEPTH) {
    throw invalidFilter(`the filter nests parentheses or brackets deeper than ${MAX_FILTER_DEPTH} levels`);
  }
  // Counted before the parser runs, from the operator words outside quoted values: refusing a filter over the
  // budget must cost far less than parsing it, or a flood of refusals holds the thread as the filters did.
  const operators = skeleton.match(OPERATOR_WORD) ?? [];
  if (operators.length > MAX_FILTER_TERMS) throw tooManyTerms();
  if (operators.filter((word) => !/eq/i.test(word)).length > MAX_UNINDEXED_FILTER_TERMS) throw tooManyUnindexedTerms();
}

/** A filter's tree (RFC 7644 §3.4.2.2), within the bounds above; a malformed one is a 400 invalidFilter. Groups' filters are parsed by it too. */
export function parseFilter(text: string): Filter {
  if (typeof text !== 'string' || !text.trim()) throw invalidFilter('the filter is empty');
  refuseFilterOverBudget(text);
  const skeleton = text.replace(QUOTED_LITERAL, '""');
  // scim2-parse-filter silently drops a "]." that no sub-attribute follows.
  if (/\]\.(?!\s*\w)/.test(skeleton)) throw invalidFilter('malformed filter: "]." must be followed by a sub-attribute');
  try {
    return parse(protectEscapedBackslashes(sameValueAfterValuePath(quoteBareValues(text))));
  } catch (error) {
    throw invalidFilter(`malformed filter (RFC 7644 §3.4.2.2): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * `emails[type eq "work"].value eq "x"` (Entra ID matches users by it; RFC 7644
 * §3.5.2's path grammar, not §3.4.2.2's) asks for one work email that is "x".
 * scim2-parse-filter reads it as `emails[type eq "work"] and emails.value eq "x"`,
 * which two different emails would meet, so it is rewritten first as the
 * filter it means: `emails[(type eq "work") and value eq "x"]`.
 */
function sameValueAfterValuePath(text: string): string {
  // Every filter passes here; only one with a sub-attribute after a value path needs the scan (2 % of a lookup's time).
  if (!text.includes('].')) return text;
  // Quoted values masked at the same length, so that positions in the mask are positions in the text.
  const mask = text.replace(QUOTED_LITERAL, (literal) => `"${'x'.repeat(literal.length - 2)}"`);
  const comparison = /([A-Za-z][\w$:.-]*)\[([^[\]]*)\]\.([A-Za-z$][\w$]*)(\s+(?:pr(?=[\s)]|$)|(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+(?:"x*"|[^\s()[\]]+)))/gi;
  let rewritten = '';
  let copied = 0;
  for (const match of mask.matchAll(comparison)) {
    const at = match.index;
    const [whole, attribute, inner, subAttribute, test] = match;
    const original = (from: number, length: number) => text.slice(from, from + length);
    const innerAt = at + attribute.length + 1;
    const testAt = at + whole.length - test.length;
    rewritten += `${text.slice(copied, at)}${attribute}[(${original(innerAt, inner.length)}) and ${subAttribute}${original(testAt, test.length)}]`;
    copied = at + whole.length;
  }
  return rewritten + text.slice(copied);
}

function bracketDepth(skeleton: string): number {
  let depth = 0;
  let deepest = 0;
  for (const c of skeleton) {
    if (c === '(' || c === '[') deepest = Math.max(deepest, ++depth);
    else if (c === ')' || c === ']') depth--;
  }
  return deepest;
}

/**
 * scim2-parse-filter 0.2.10 decodes only `\"` in a compValue and keeps every
 * other backslash literally (and cannot parse a value ending in `\\`). We
 * hand it `\\` as the equivalent `\u005c`, then decode the JSON string
 * ourselves (RFC 7644 §3.4.2.2: compValue is JSON, RFC 7159 §7).
 */
function protectEscapedBackslashes(text: string): string {
  return text.replace(QUOTED_LITERAL, (literal) => literal.replace(/\\([\s\S])/g, (pair, escaped: string) => (escaped === '\\' ? '\\u005c' : pair)));
}

/** A filter's string value as JSON decodes it (RFC 7644 §3.4.2.2). */
export function decodeCompValue(value: string): string {
  let decoded: string;
  try {
    decoded = JSON.parse(`"${value.replace(/"/g, '\\"')}"`) as string;
  } catch {
    throw invalidFilter(`the value "${value}" is not a valid JSON string (RFC 7159 §7)`);
  }
  // No stored value can hold them, and PostgreSQL refuses them as parameters.
  if (!isStorableText(decoded)) throw invalidFilter('a filter value may not contain U+0000 or an unpaired surrogate');
  return decoded;
}

// ---------------------------------------------------------------------------
// What the User resource offers to filter on (RFC 7643 §4.1, §4.3) and where
// scim_users keeps it: read from the User schemas /Schemas serves, so a
// filter knows every attribute they define, by their types and caseExact.

type ValueType = 'string' | 'boolean' | 'dateTime';
/** The schema's columns, and the projection's folded copy of userName beside it. */
type FilterColumn = UserColumn | 'userNameLower';

interface ColumnAttribute {
  readonly kind: 'column';
  readonly name: string;
  readonly type: ValueType;
  readonly column: FilterColumn;
  readonly nullable: boolean;
  readonly caseExact: boolean;
  /** The projection's copy under the address key (emailKey), indexed. */
  readonly lowerColumn?: FilterColumn;
}

/** A single-valued attribute kept in the user's attribute document, at its path there. */
interface DocumentAttribute {
  readonly kind: 'document';
  readonly name: string;
  readonly type: ValueType;
  readonly path: readonly string[];
  readonly caseExact: boolean;
}

/** A sub-attribute of each value of a multi-valued attribute (emails.type), compared on one value at a time. */
interface ValueMember {
  readonly kind: 'member';
  readonly name: string;
  readonly type: ValueType;
  readonly key: string;
  readonly caseExact: boolean;
  readonly of: ComplexAttribute;
}

/** The same for every user: a fixed value, or null for what no filter reads yet (groups: kept as Groups' members, not translated). */
interface ConstantAttribute {
  readonly kind: 'constant';
  readonly name: string;
  readonly type: ValueType;
  readonly value: string | boolean | null;
  readonly caseExact: boolean;
}

interface ComplexAttribute {
  readonly kind: 'complex';
  readonly name: string;
  readonly multiValued: boolean;
  /** Keys of the sub-attributes; `pr` is true when one of them is present. */
  readonly members: readonly string[];
  /** Where the document keeps a multi-valued attribute's values; absent for one no user has. */
  readonly path?: readonly string[];
}

interface UnfilterableAttribute {
  readonly kind: 'unfilterable';
  readonly name: string;
  readonly reason: string;
}

type UserAttribute = ColumnAttribute | DocumentAttribute | ValueMember | ConstantAttribute | ComplexAttribute | UnfilterableAttribute;

const USER_ATTRIBUTES = new Map<string, UserAttribute>();

function define(key: string, attribute: UserAttribute): void {
  USER_ATTRIBUTES.set(key.toLowerCase(), attribute);
}

const valueTypeOf = (definition: AttributeDefinition): ValueType =>
  definition.type === 'boolean' ? 'boolean' : definition.type === 'dateTime' ? 'dateTime' : 'string';

/** Where each attribute of a schema is kept: its column, the document under `path`, or nowhere (read-only and unset). */
function defineSchema(schema: SchemaDefinition, prefix: string, path: readonly string[]): void {
  for (const definition of schema.attributes) defineAttribute(definition, `${prefix}${definition.name}`, [...path, definition.name]);
}

function defineAttribute(definition: AttributeDefinition, name: string, path: readonly string[]): void {
  const type = valueTypeOf(definition);
  const { caseExact } = definition;
  if (definition.returned === 'never') {
    define(name, { kind: 'unfilterable', name, reason: 'is never returned (its schema says returned "never"), so it cannot be filtered on' });
  } else if (definition.type === 'complex') {
    const subAttributes = definition.subAttributes ?? [];
    // Groups are read-only and derived from the Groups' members, which the user filter does not read yet: every sub-attribute filters as absent.
    const kept = definition.mutability !== 'readOnly' || name === 'meta';
    const complex: ComplexAttribute = {
      kind: 'complex',
      name,
      multiValued: definition.multiValued,
      members: subAttributes.map((sub) => `${name}.${sub.name}`.toLowerCase()),
      ...(definition.multiValued && kept ? { path } : {}),
    };
    define(name, complex);
    for (const sub of subAttributes) {
      const subName = `${name}.${sub.name}`;
      if (definition.multiValued) {
        define(
          subName,
          kept ? { kind: 'member', name: subName, type: valueTypeOf(sub), key: sub.name, caseExact: sub.caseExact, of: complex } : constant(subName, sub),
        );
      } else {
        defineAttribute(sub, subName, [...path, sub.name]);
      }
    }
  } else if (definition.column) {
    const nullable = !['id', 'userName', 'displayName', 'active', 'createdAt', 'lastModified'].includes(definition.column);
    define(name, {
      kind: 'column',
      name,
      type,
      column: definition.column,
      nullable,
      caseExact,
      ...(definition.column === 'userName' ? { lowerColumn: 'userNameLower' as const } : {}),
    });
  } else if (definition.mutability === 'readOnly') {
    // meta's are the server's and not kept apart; manager.displayName is the server's to set, and it sets none.
    if (name === 'meta.resourceType') define(name, { kind: 'constant', name, type, value: 'User', caseExact: true });
    else define(name, name.startsWith('meta.') ? unfilterable(name) : constant(name, definition));
  } else {
    define(name, { kind: 'document', name, type, path, caseExact });
  }
}

function constant(name: string, definition: AttributeDefinition): ConstantAttribute {
  return { kind: 'constant', name, type: valueTypeOf(definition), value: null, caseExact: definition.caseExact };
}

function unfilterable(name: string): UnfilterableAttribute {
  return { kind: 'unfilterable', name, reason: 'is not kept in a form that can be filtered' };
}

defineSchema(CORE_USER_SCHEMA_DEFINITION, '', []);
for (const extension of RESOURCE_SCHEMAS.filter((schema) => schema !== CORE_USER_SCHEMA_DEFINITION)) {
  define(extension.id, {
    kind: 'complex',
    name: extension.id,
    multiValued: false,
    members: extension.attributes.map((attribute) => `${extension.id}:${attribute.name}`.toLowerCase()),
  });
  defineSchema(extension, `${extension.id}:`, [extension.id]);
}
// Entra ID checks a manager with `manager eq "<id>"`, by the bare name and as a plain string (its SCIM
// compatibility notes): the enterprise manager's value.
const managerValue = USER_ATTRIBUTES.get(`${ENTERPRISE_USER_SCHEMA}:manager.value`.toLowerCase())!;
define(`${ENTERPRISE_USER_SCHEMA}:manager`, managerValue);
define('manager', managerValue);
define('manager.value', managerValue);

/** Attribute names are case-insensitive and core ones may carry their schema URN (RFC 7644 §3.10). */
function canonicalPath(attrPath: string): string {
  const path = attrPath.toLowerCase();
  const corePrefix = `${CORE_USER_SCHEMA.toLowerCase()}:`;
  return path.startsWith(corePrefix) ? path.slice(corePrefix.length) : path;
}

// ---------------------------------------------------------------------------
// Translation

type ComparisonOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** Where attribute names resolve: the resource, or one value of a multi-valued attribute inside `[...]`. */
interface Scope {
  readonly parent: ComplexAttribute | null;
  /** Inside `[...]`: the row of the one value the inner filter is about. */
  readonly element?: string;
}
const TOP_LEVEL: Scope = { parent: null };

const TRUE = '1 = 1';
const FALSE = '1 = 0';
const SUBSTRING = new Set<string>(['co', 'sw', 'ew']);

class FilterTranslation {
  readonly params: Record<string, unknown> = {};
  private next = 0;
  private terms = 0;
  private unindexedTerms = 0;
  private disjunctions = 0;
  private uniqueValueTerms = 0;
  /** How many `not`s enclose the term being translated: a negated equality matches nearly every row, no index serves it. */
  private negations = 0;
  /** Value rows named so far: each value path and sub-attribute comparison has its own. */
  private elements = 0;

  constructor(
    private readonly dialect: FilterDialect,
    private readonly alias: string,
  ) {}

  cost(): FilterCost {
    return { terms: this.terms, unindexedTerms: this.unindexedTerms, disjunctions: this.disjunctions, uniqueValueTerms: this.uniqueValueTerms };
  }

  /** Counts a term against the budget, refusing the filter as soon as it is over. */
  private counted(attribute: UserAttribute, op: ComparisonOperator | 'pr'): void {
    if (++this.terms > MAX_FILTER_TERMS) throw tooManyTerms();
    // A constant attribute (meta.resourceType, emails.type…) is decided here, without the database, but a term
    // that is always true leaves the whole tenant to scan: no index serves it either (found by the attack on issue 15).
    if (attribute.kind === 'column' && op === 'eq' && this.negations === 0 && INDEXED_EQUALITY.has(attribute.column)) {
      if (UNIQUE_EQUALITY.has(attribute.column)) this.uniqueValueTerms++;
      return;
    }
    if (++this.unindexedTerms > MAX_UNINDEXED_FILTER_TERMS) throw tooManyUnindexedTerms();
  }

  filter(node: Filter, scope: Scope, depth: number): string {
    if (depth > MAX_FILTER_DEPTH) throw invalidFilter(`the filter nests deeper than ${MAX_FILTER_DEPTH} levels`);
    // The parser leaves holes in some malformed trees (found by test/fuzz-filter.int.spec.ts), e.g. `a co "x" not (b pr)`.
    if (typeof node !== 'object' || node === null) throw invalidFilter('the filter is incomplete');
    const op = String((node as { op: unknown }).op);
    switch (node.op) {
      case 'and':
      case 'or':
        if (node.op === 'or' && node.filters.length > 1) this.disjunctions++;
        return junction(
          node.op,
          node.filters.map((f) => this.filter(f, scope, depth + 1)),
        );
      case 'not': {
        this.negations++;
        try {
          return negate(this.filter(node.filter, scope, depth + 1));
        } finally {
          this.negations--;
        }
      }
      case '[]':
        return this.valuePath(node.attrPath, node.valFilter, scope, depth);
      case 'pr': {
        const attribute = this.resolve(node.attrPath, scope);
        this.counted(attribute, 'pr');
        return this.present(attribute, scope);
      }
      case 'eq':
      case 'ne':
      case 'co':
      case 'sw':
      case 'ew':
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le':
        return this.compare(node.attrPath, node.op, node.compValue, scope);
      default: {
        const unknown: never = node;
        throw invalidFilter(`unknown filter operator "${op}" in ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** RFC 7644 §3.4.2.2 valuePath: the inner filter applies to one value of the attribute. */
  private valuePath(attrPath: string, inner: Filter, scope: Scope, depth: number): string {
    if (scope.parent) throw invalidFilter(`"${attrPath}[...]" cannot nest inside ${scope.parent.name}[...]`);
    const attribute = this.resolve(attrPath, scope);
    if (attribute.kind !== 'complex' || !attribute.multiValued) {
      throw invalidFilter(`"${attrPath}[...]" needs a multi-valued attribute`);
    }
    // One value must match the whole inner filter (RFC 7644 §3.4.2.2): `emails[type eq "work" and value co "@x"]`.
    const element = this.elementName();
    const condition = this.filter(inner, { parent: attribute, element }, depth + 1);
    // An attribute the filter does not read (groups, from the Groups' members) has no values for any of them to match.
    return attribute.path ? this.someValue(attribute, element, condition) : FALSE;
  }

  /** Whether one of the attribute's values meets `condition`, written over the value row `element`. */
  private someValue(attribute: ComplexAttribute, element: string, condition: string): string {
    if (condition === FALSE) return FALSE;
    const where = condition === TRUE ? '' : ` WHERE ${condition}`;
    return `EXISTS (SELECT 1 FROM ${valuesOf(this.dialect, this.alias, attribute.path!, element)}${where})`;
  }

  private elementName(): string {
    return `v${this.elements++}`;
  }

  private resolve(attrPath: string, scope: Scope): UserAttribute {
    const key = scope.parent ? `${scope.parent.name}.${attrPath}`.toLowerCase() : canonicalPath(attrPath);
    const attribute = USER_ATTRIBUTES.get(key);
    if (!attribute) {
      throw invalidFilter(
        scope.parent
          ? `"${attrPath}" is not a sub-attribute of ${scope.parent.name}`
          : `"${attrPath}" is not an attribute of the User resource that can be filtered`,
      );
    }
    if (attribute.kind === 'unfilterable') throw invalidFilter(`${attribute.name} ${attribute.reason}`);
    return attribute;
  }

  /** RFC 7644 §3.4.2.2 pr: a non-empty value, or a complex attribute with one present sub-attribute. */
  private present(attribute: UserAttribute, scope: Scope = TOP_LEVEL): string {
    switch (attribute.kind) {
      case 'constant':
        return attribute.value === null || attribute.value === '' ? FALSE : TRUE;
      case 'column': {
        const column = this.column(attribute.column);
        if (attribute.type !== 'string') return attribute.nullable ? `${column} IS NOT NULL` : TRUE;
        return attribute.nullable ? `(${column} IS NOT NULL AND ${column} <> '')` : `${column} <> ''`;
      }
      case 'document':
        return nonEmpty(documentValue(this.dialect, this.alias, attribute.path, attribute.type), attribute.type);
      case 'member':
        return this.onValues(attribute, scope, (element) => nonEmpty(memberValue(this.dialect, element, attribute.key, attribute.type), attribute.type));
      case 'complex': {
        if (attribute.multiValued) return attribute.path ? hasValues(this.dialect, this.alias, attribute.path) : FALSE;
        const members = attribute.members.map((key) => this.present(USER_ATTRIBUTES.get(key)!)).filter((sql) => sql !== FALSE);
        if (members.includes(TRUE)) return TRUE;
        return members.length === 0 ? FALSE : `(${members.join(' OR ')})`;
      }
      case 'unfilterable':
        return FALSE;
    }
  }

  /**
   * A condition on one value's sub-attribute: inside `[...]` on the value in
   * scope; outside, on any value (RFC 7644 §3.4.2.2: `emails.type eq "work"`
   * matches a user with a work email).
   */
  private onValues(member: ValueMember, scope: Scope, condition: (element: string) => string): string {
    if (scope.element !== undefined) return condition(scope.element);
    const element = this.elementName();
    return member.of.path ? this.someValue(member.of, element, condition(element)) : FALSE;
  }

  private compare(attrPath: string, op: ComparisonOperator, rawValue: unknown, scope: Scope): string {
    let attribute = this.resolve(attrPath, scope);
    if (attribute.kind === 'complex') {
      // A multi-valued attribute compared as a whole compares its values (RFC 7644 §3.4.2.2 "emails co ...").
      const value = attribute.multiValued ? USER_ATTRIBUTES.get(`${attribute.name}.value`.toLowerCase()) : undefined;
      if (!value) throw invalidFilter(`${attribute.name} is complex: filter on one of its sub-attributes`);
      attribute = value;
    }
    if (attribute.kind === 'complex' || attribute.kind === 'unfilterable') throw invalidFilter(`${attribute.name} cannot be compared`);
    // `eq null` reads every user as `pr` does.
    this.counted(attribute, rawValue === null ? 'pr' : op);

    if (rawValue === null) {
      // `eq null` / `ne null` ask whether the attribute is absent; nothing else compares with null.
      if (op !== 'eq' && op !== 'ne') throw invalidFilter(`"${op}" cannot compare ${attribute.name} with null`);
      const present = this.present(attribute, scope);
      return op === 'ne' ? present : negate(present);
    }
    const value = this.typedValue(attribute, op, rawValue);
    switch (attribute.kind) {
      case 'constant':
        return matchesConstant(attribute, op, value) ? TRUE : FALSE;
      case 'column':
        return this.compareColumn(attribute, op, value);
      case 'document':
        return this.compareOptional(documentValue(this.dialect, this.alias, attribute.path, attribute.type), attribute, op, value);
      case 'member': {
        const member = attribute;
        // ne on a value is "has a value that differs"; `not (emails.type eq "work")` is the one for "has no work email".
        return this.onValues(member, scope, (element) => this.compareOptional(memberValue(this.dialect, element, member.key, member.type), member, op, value));
      }
    }
  }

  /** A comparison with a value that may be absent (NULL): absent matches no comparison but ne, so that NOT and ne include it. */
  private compareOptional(target: string, attribute: DocumentAttribute | ValueMember, op: ComparisonOperator, value: string | boolean): string {
    const comparison =
      typeof value === 'boolean'
        ? `${target} ${op === 'eq' ? '=' : '<>'} ${this.param(String(value))}`
        : this.textComparison(target, attribute.type === 'string' && !attribute.caseExact, op, value);
    return op === 'ne' ? `(${target} IS NULL OR ${comparison})` : `(${target} IS NOT NULL AND ${comparison})`;
  }

  /** Checks the compValue against the attribute's type (RFC 7643 §2.3) and normalises it. */
  private typedValue(attribute: ColumnAttribute | ConstantAttribute | DocumentAttribute | ValueMember, op: ComparisonOperator, raw: unknown): string | boolean {
    switch (attribute.type) {
      case 'boolean': {
        // RFC 7644 §3.4.2.2: gt, ge, lt, le on a boolean are an invalidFilter; so are co, sw, ew.
        if (op !== 'eq' && op !== 'ne') throw invalidFilter(`"${op}" is not defined for the boolean ${attribute.name}`);
        if (typeof raw === 'boolean') return raw;
        // Entra ID sends booleans as the strings "True" and "False".
        if (typeof raw === 'string' && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
        throw invalidFilter(`${attribute.name} is a boolean: compare it with true or false`);
      }
      case 'dateTime': {
        if (SUBSTRING.has(op)) throw invalidFilter(`"${op}" is not defined for the dateTime ${attribute.name}`);
        if (typeof raw !== 'string') throw invalidFilter(`${attribute.name} is a dateTime: compare it with a quoted xsd:dateTime`);
        return normalisedDateTime(attribute.name, decodeCompValue(raw));
      }
      case 'string':
        if (typeof raw !== 'string') throw invalidFilter(`${attribute.name} is a string: compare it with a quoted string`);
        return decodeCompValue(raw);
    }
  }

  private compareColumn(attribute: ColumnAttribute, op: ComparisonOperator, value: string | boolean): string {
    const column = this.column(attribute.column);
    const comparison = this.columnComparison(attribute, op, value);
    // An absent value matches no comparison, so that NOT and ne include it.
    if (op === 'ne') return attribute.nullable ? `(${column} IS NULL OR ${comparison})` : comparison;
    return attribute.nullable ? `(${column} IS NOT NULL AND ${comparison})` : comparison;
  }

  private columnComparison(attribute: ColumnAttribute, op: ComparisonOperator, value: string | boolean): string {
    if (typeof value === 'boolean') return `${this.column(attribute.column)} ${op === 'eq' ? '=' : '<>'} ${this.param(value)}`;
    // Case-insensitive strings compare folded on both sides: with the projection's canonical copy where
    // there is one (userName, emails: canonicalAddress, rule L8; its index serves eq), else with the
    // same lower() on both sides (sqlLower: one mapping on both databases) so the column and the value fold alike.
    const caseInsensitive = attribute.type === 'string' && !attribute.caseExact;
    if (caseInsensitive && attribute.lowerColumn) {
      // A whole value is compared as the canonical address; a substring only folded (no trim, no domain form).
      const substring = op === 'co' || op === 'sw' || op === 'ew';
      value = substring ? sanitiseUserName(foldText(value)) : emailKey(value);
    }
    const target = !caseInsensitive
      ? this.column(attribute.column)
      : attribute.lowerColumn
        ? this.column(attribute.lowerColumn)
        : this.column(attribute.column);
    // The folded copy is compared as it is; any other case-insensitive text is lower-cased on both sides.
    return this.textComparison(target, caseInsensitive && !attribute.lowerColumn, op, value, caseInsensitive);
  }

  /**
   * A text comparison of `target` with `value`: lower-cased on both sides by
   * one mapping on both databases (sqlLower) when `lowerBoth`; `foldedLike`
   * says a substring test is case-insensitive (LIKE) even where the target is a folded copy.
   */
  private textComparison(target: string, lowerBoth: boolean, op: ComparisonOperator, value: string, foldedLike = lowerBoth): string {
    const compared = lowerBoth ? sqlLower(this.dialect, target) : target;
    const operand = (v: string) => (lowerBoth ? sqlLower(this.dialect, this.param(v)) : this.param(v));
    switch (op) {
      case 'eq':
        return `${compared} = ${operand(value)}`;
      case 'ne':
        return `${compared} <> ${operand(value)}`;
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le':
        return `${this.binaryOrder(compared)} ${{ gt: '>', ge: '>=', lt: '<', le: '<=' }[op]} ${operand(value)}`;
      case 'co':
      case 'sw':
      case 'ew':
        return foldedLike ? `${compared} LIKE ${operand(likePattern(op, value))} ESCAPE '\\'` : this.caseExactSubstring(compared, op, value);
    }
  }

  /**
   * Substring tests that respect case on both databases (SQLite's LIKE ignores ASCII case).
   * Every string contains, starts and ends with "".
   */
  private caseExactSubstring(target: string, op: 'co' | 'sw' | 'ew', value: string): string {
    if (value === '') return TRUE;
    const p = this.param(value);
    if (this.dialect === 'postgres') {
      if (op === 'co') return `strpos(${target}, ${p}) > 0`;
      return `${op === 'sw' ? 'left' : 'right'}(${target}, length(${p})) = ${p}`;
    }
    if (op === 'co') return `instr(${target}, ${p}) > 0`;
    return op === 'sw' ? `substr(${target}, 1, length(${p})) = ${p}` : `substr(${target}, -length(${p})) = ${p}`;
  }

  /**
   * RFC 7644 §3.4.2.2 orders strings lexicographically: compare code points
   * (UTF-8 bytes) on PostgreSQL too, as SQLite's BINARY collation does,
   * whatever the database's locale.
   */
  private binaryOrder(target: string): string {
    return this.dialect === 'postgres' ? `${target} COLLATE "C"` : target;
  }

  private column(name: FilterColumn): string {
    return `${quoteIdentifier(this.alias)}.${quoteIdentifier(name)}`;
  }

  private param(value: unknown): string {
    const name = `f${this.next++}`;
    this.params[name] = value;
    return `:${name}`;
  }
}

/** AND / OR, folding the constant answers of attributes every user shares (emails.type, title, ...). */
function junction(op: 'and' | 'or', operands: readonly string[]): string {
  const [absorbing, neutral] = op === 'and' ? [FALSE, TRUE] : [TRUE, FALSE];
  if (operands.includes(absorbing)) return absorbing;
  const rest = operands.filter((sql) => sql !== neutral);
  if (rest.length === 0) return neutral;
  return rest.length === 1 ? rest[0] : `(${rest.join(op === 'and' ? ' AND ' : ' OR ')})`;
}

/** `pr` of a value that may be absent: a text must also be non-empty (RFC 7644 §3.4.2.2). Never NULL. */
function nonEmpty(expression: string, type: ValueType): string {
  return type === 'string' ? `COALESCE(${expression}, '') <> ''` : `${expression} IS NOT NULL`;
}

function negate(sql: string): string {
  if (sql === TRUE) return FALSE;
  if (sql === FALSE) return TRUE;
  return `NOT (${sql})`;
}

function matchesConstant(attribute: ConstantAttribute, op: ComparisonOperator, value: string | boolean): boolean {
  const actual = attribute.value;
  if (actual === null) return op === 'ne';
  if (typeof actual === 'boolean' || typeof value === 'boolean') return (actual === value) === (op === 'eq');
  const [a, v] = attribute.caseExact ? [actual, value] : [actual.toLowerCase(), value.toLowerCase()];
  switch (op) {
    case 'eq':
      return a === v;
    case 'ne':
      return a !== v;
    case 'co':
      return a.includes(v);
    case 'sw':
      return a.startsWith(v);
    case 'ew':
      return a.endsWith(v);
    case 'gt':
      return a > v;
    case 'ge':
      return a >= v;
    case 'lt':
      return a < v;
    case 'le':
      return a <= v;
  }
}

/** A LIKE pattern that takes the value literally: `%`, `_` and the escape `\` are escaped. */
function likePattern(op: 'co' | 'sw' | 'ew', value: string): string {
  const literal = value.replace(/[\\%_]/g, '\\$&');
  return op === 'co' ? `%${literal}%` : op === 'sw' ? `${literal}%` : `%${literal}`;
}

const XSD_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/i;

/**
 * meta.created and meta.lastModified are stored as `toISOString()` strings
 * (UTC, milliseconds), which order like the instants they name; the compared
 * value is brought to the same form. A value without an offset is read as UTC,
 * never as the server's local time.
 */
function normalisedDateTime(name: string, value: string): string {
  if (!XSD_DATE_TIME.test(value)) throw invalidFilter(`${name} needs an xsd:dateTime such as 2026-01-02T03:04:05Z, not "${value}"`);
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  const hasOffset = /(Z|[+-]\d{2}:\d{2})$/i.test(value) && value.includes('T');
  const instant = new Date(hasOffset || !value.includes('T') ? value : `${value}Z`);
  // Date would roll 2026-02-30 over into March; a day that does not exist is an error.
  if (Number.isNaN(instant.getTime()) || calendarDay.getUTCMonth() !== month - 1 || calendarDay.getUTCDate() !== day) {
    throw invalidFilter(`"${value}" is not a valid dateTime for ${name}`);
  }
  const iso = instant.toISOString();
  if (!/^\d{4}-/.test(iso)) throw invalidFilter(`"${value}" is outside the years 0000 to 9999`);
  return iso;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
