import type { FilterDialect } from './user-filter.sql';

/*
 * SQL over the user's attribute document (scim_users.attributes, JSON text
 * on both databases; rule A1): SQLite's JSON1 functions, PostgreSQL's jsonb.
 * Paths are the schema's attribute names, never a client's text, so they are
 * written into the statement as literals; values compared with them still
 * travel as parameters.
 */

/** The attribute document of the row `alias`. */
const documentOf = (dialect: FilterDialect, alias: string) => (dialect === 'postgres' ? `${column(alias, 'attributes')}::jsonb` : column(alias, 'attributes'));

/** A single-valued attribute at `path` as text (a boolean as 'true' / 'false'); NULL when absent. */
export function documentValue(dialect: FilterDialect, alias: string, path: readonly string[], type: 'string' | 'boolean' | 'dateTime'): string {
  if (dialect === 'postgres') return `(${documentOf(dialect, alias)} #>> ${postgresPath(path)})`;
  // json_extract gives SQLite's 1 / 0 for JSON true / false; json_type gives 'true' / 'false'.
  return `${type === 'boolean' ? 'json_type' : 'json_extract'}(${documentOf(dialect, alias)}, ${sqlitePath(path)})`;
}

/** A sub-attribute of one value (the row `element` of valuesOf) as text, as documentValue. */
export function memberValue(dialect: FilterDialect, element: string, key: string, type: 'string' | 'boolean' | 'dateTime'): string {
  if (dialect === 'postgres') return `(${element}.value #>> ${postgresPath([key])})`;
  return `${type === 'boolean' ? 'json_type' : 'json_extract'}(${element}.value, ${sqlitePath([key])})`;
}

/**
 * The FROM item of a multi-valued attribute's values, one row `element` per
 * value (with its place, `element.n`, counted from 0). A user stored without
 * emails has one, its address as the primary work email (rule L1), as the
 * resource shows it (toScimUser), so filters match what a GET returns.
 */
export function valuesOf(dialect: FilterDialect, alias: string, path: readonly string[], element: string): string {
  const emails = path.length === 1 && path[0] === 'emails';
  if (dialect === 'postgres') {
    const values = `${documentOf(dialect, alias)} #> ${postgresPath(path)}`;
    const derived = `jsonb_build_array(jsonb_build_object('value', ${column(alias, 'email')}, 'type', 'work', 'primary', true))`;
    return `jsonb_array_elements(${emails ? `COALESCE(${values}, ${derived})` : values}) WITH ORDINALITY AS ${element}(value, n)`;
  }
  const document = documentOf(dialect, alias);
  const source = emails
    ? `CASE WHEN json_type(${document}, ${sqlitePath(path)}) = 'array' THEN json_extract(${document}, ${sqlitePath(path)}) ` +
      `ELSE json_array(json_object('value', ${column(alias, 'email')}, 'type', 'work', 'primary', json('true'))) END`
    : `${document}, ${sqlitePath(path)}`;
  return `(SELECT value, key AS n FROM json_each(${source})) AS ${element}`;
}

/** Whether the user has a value of the multi-valued attribute at `path`; never NULL. */
export function hasValues(dialect: FilterDialect, alias: string, path: readonly string[]): string {
  if (path.length === 1 && path[0] === 'emails') return '1 = 1';
  if (dialect === 'postgres') return `COALESCE(jsonb_array_length(${documentOf(dialect, alias)} #> ${postgresPath(path)}), 0) > 0`;
  return `COALESCE(json_array_length(${documentOf(dialect, alias)}, ${sqlitePath(path)}), 0) > 0`;
}

/**
 * The value a multi-valued attribute sorts by (RFC 7644 §3.4.2.3): its
 * sub-attribute `key` (`value` for the attribute itself) of its primary
 * value, else of its first.
 */
export function sortValueOf(dialect: FilterDialect, alias: string, path: readonly string[], key: string): string {
  const primary = memberValue(dialect, 's', 'primary', 'boolean');
  return `(SELECT ${memberValue(dialect, 's', key, 'string')} FROM ${valuesOf(dialect, alias, path, 's')} ORDER BY COALESCE(${primary} = 'true', ${dialect === 'postgres' ? 'false' : '0'}) DESC, s.n LIMIT 1)`;
}

function sqlitePath(path: readonly string[]): string {
  return `'$${path.map((segment) => `."${segment}"`).join('')}'`;
}

function postgresPath(path: readonly string[]): string {
  return `'{${path.map((segment) => `"${segment}"`).join(',')}}'`;
}

function column(alias: string, name: string): string {
  return `"${alias}"."${name}"`;
}
