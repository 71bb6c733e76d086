import { parse, type Filter } from 'scim2-parse-filter';
import { AttributeDefinition, namedIn, SchemaDefinition } from '../discovery/schema-definition';
import { CORE_USER_SCHEMA_DEFINITION, RESOURCE_SCHEMAS } from '../discovery/user-schemas';
import { quoteBareValues } from '../filter/bare-values';
import { ScimError } from '../scim-error';

/** What a PATCH path (RFC 7644 §3.5.2) targets, as the schemas /Schemas serves define it. */
export interface PatchTarget {
  readonly schema: SchemaDefinition;
  /** Absent when the path is an extension's URN alone: the extension's attributes together. */
  readonly attribute?: AttributeDefinition;
  readonly subAttribute?: AttributeDefinition;
  /**
   * The path in the schema's spelling (RFC 7643 §2.1: names and URNs are
   * case-insensitive, but the PATCH library compares keys exactly, so
   * `NAME.GIVENNAME` would write a second `name`): extension attributes under
   * their URN, core ones without it, a value filter as sent.
   */
  readonly canonical: string;
}

/**
 * Resolves a PATCH path against the advertised User schemas, the one source
 * /Schemas serves too (issue 18, item 4): `attr`, `attr.sub`, a URN-qualified
 * `urn:…:User:attr.sub` and value paths `attr[filter].sub`, whose filter names
 * sub-attributes of attr. Names are compared case-insensitively (RFC 7643
 * §2.1). An attribute no schema defines is 400 invalidPath naming it as sent;
 * a read-only one (id, meta, groups) is 400 mutability (RFC 7644 §3.5.2).
 * Syntax (an unclosed bracket, a filter that does not parse) is left to the
 * PATCH parser, which refuses it as before.
 */
export function resolvePatchPath(path: string): PatchTarget {
  const qualified = qualifiedBy(path);
  if (qualified === null) throw notDefined(beforeFilter(path));
  const { schema, prefix } = qualified;
  if (schema && prefix === path) return { schema, canonical: schema.id };
  const rest = path.slice(prefix.length);
  const name = /^[^.[]*/.exec(rest)?.[0] ?? '';
  const found = schema ? inSchema(schema, name) : unqualified(name);
  // Rule A3: the Druva extension carries whatever attributes the tenant's mappings read (city, country…), as its
  // definition says; after the create they are accepted and not stored, never refused.
  if (!found && schema?.unlistedAttributes === 'mapping-only') return { schema, canonical: `${schema.id}:${rest}` };
  if (!found) throw notDefined(`${prefix}${name}`);
  const { attribute } = found;
  const qualifier = found.schema === CORE_USER_SCHEMA_DEFINITION ? '' : `${found.schema.id}:`;
  if (attribute.mutability === 'readOnly') throw new ScimError(400, `${path} is read-only`, 'mutability');
  const sentName = `${prefix}${name}`;
  let after = rest.slice(name.length);
  let valueFilter = '';
  if (after.startsWith('[')) {
    const close = closingBracket(after);
    if (close < 0) return { ...found, canonical: path };
    refuseUndefinedInFilter(attribute, after.slice(1, close), sentName);
    valueFilter = `[${inSchemaSpelling(after.slice(1, close), attribute.subAttributes ?? [])}]`;
    after = after.slice(close + 1);
  }
  const canonicalAttribute = `${qualifier}${attribute.name}${valueFilter}`;
  if (!after.startsWith('.')) return { ...found, canonical: `${canonicalAttribute}${after}` };
  const subName = after.slice(1);
  const subAttribute = namedIn(attribute.subAttributes ?? [], subName);
  if (!subAttribute) throw notDefined(`${sentName}.${subName}`);
  // The server's to set (manager.displayName), as a read-only attribute is (the attack on issue 18, F16).
  if (subAttribute.mutability === 'readOnly') throw new ScimError(400, `${path} is read-only`, 'mutability');
  return { ...found, subAttribute, canonical: `${canonicalAttribute}.${subAttribute.name}` };
}

const notDefined = (named: string) =>
  new ScimError(400, `"${named}" is not an attribute of a User: no schema this server advertises (/Schemas) defines it`, 'invalidPath');

/** The schema a URN prefix names, with that prefix as sent; no schema (and no prefix) for a plain name; null for a URN none advertised has. */
function qualifiedBy(path: string): { schema: SchemaDefinition | undefined; prefix: string } | null {
  const lower = path.toLowerCase();
  for (const schema of RESOURCE_SCHEMAS) {
    const id = schema.id.toLowerCase();
    if (lower === id) return { schema, prefix: path };
    if (lower.startsWith(`${id}:`)) return { schema, prefix: path.slice(0, id.length + 1) };
  }
  return lower.startsWith('urn:') ? null : { schema: undefined, prefix: '' };
}

/**
 * A name without a URN: a core attribute, else an extension's. RFC 7644 §3.10
 * wants extension attributes qualified, but Entra ID's tutorial (example 5)
 * PATCHes the enterprise `manager` by its bare name.
 */
function unqualified(name: string): { schema: SchemaDefinition; attribute: AttributeDefinition } | undefined {
  for (const schema of RESOURCE_SCHEMAS) {
    const found = inSchema(schema, name);
    if (found) return found;
  }
  return undefined;
}

function inSchema(schema: SchemaDefinition, name: string): { schema: SchemaDefinition; attribute: AttributeDefinition } | undefined {
  const attribute = namedIn(schema.attributes, name);
  return attribute && { schema, attribute };
}

/** The attribute names a value filter compares are sub-attributes of the multi-valued attribute it filters. */
function refuseUndefinedInFilter(attribute: AttributeDefinition, filterText: string, sentName: string): void {
  let tree: Filter;
  try {
    tree = parse(quoteBareValues(filterText));
  } catch {
    return;
  }
  for (const name of comparedNames(tree)) {
    if (!namedIn(attribute.subAttributes ?? [], name)) throw notDefined(`${sentName}.${name}`);
  }
}

function comparedNames(filter: Filter): string[] {
  switch (filter.op) {
    case 'and':
    case 'or':
      return (filter as { filters: Filter[] }).filters.flatMap(comparedNames);
    case 'not':
      return comparedNames((filter as { filter: Filter }).filter);
    default:
      return [(filter as { attrPath: string }).attrPath];
  }
}

/** A value filter's attribute names in the schema's spelling (`TYPE eq "work"` → `type eq "work"`); values untouched. */
function inSchemaSpelling(filterText: string, subAttributes: readonly AttributeDefinition[]): string {
  const QUOTED = /"(?:[^"\\]|\\[\s\S])*"/g;
  const quoted = filterText.match(QUOTED) ?? [];
  const masked = filterText.replace(QUOTED, '""');
  let next = 0;
  return masked.replace(/[A-Za-z$][\w$]*/g, (word) => namedIn(subAttributes, word)?.name ?? word).replace(/""/g, () => quoted[next++] ?? '""');
}

/** Where the bracket opening `text` closes, quoted values skipped; -1 when it never does. */
function closingBracket(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

function beforeFilter(path: string): string {
  const bracket = path.indexOf('[');
  return bracket < 0 ? path : path.slice(0, bracket);
}
