import { ScimError } from '../scim-error';
import { RESOURCE_TYPES, ResourceTypeDefinition } from '../discovery/resource-types';
import { AttributeDefinition, Returned } from '../discovery/schema-definition';
import { COMMON_ATTRIBUTES, findResourceSchema } from '../discovery/user-schemas';
import { isObject } from '../user-resource';

/** The two query parameters of RFC 7644 §3.4.2.5 / §3.9, each a comma-separated list of attribute names. */
export interface AttributeParameters {
  readonly attributes?: string;
  readonly excludedAttributes?: string;
}

/**
 * Reads `attributes` and `excludedAttributes` from a parsed query string.
 * A parameter given twice, or both at once (RFC 7644 §3.9 makes them
 * mutually exclusive), is a 400 invalidValue; an empty one counts as absent.
 */
export function readAttributeParameters(query: Record<string, unknown>): AttributeParameters {
  const attributes = singleList(query.attributes, 'attributes');
  const excludedAttributes = singleList(query.excludedAttributes, 'excludedAttributes');
  refuseBoth(attributes, excludedAttributes);
  return { ...(attributes !== undefined ? { attributes } : {}), ...(excludedAttributes !== undefined ? { excludedAttributes } : {}) };
}

/**
 * The resource as the client asked to see it (RFC 7644 §3.4.2.5, §3.9), by the
 * "returned" characteristic of each attribute (RFC 7643 §7) as the schema
 * definitions in ../discovery declare it:
 * - always (id, and schemas, which RFC 7643 §3 requires in every
 *   representation): kept whatever the parameters say;
 * - never (password): never kept;
 * - default: kept unless excluded, or unless `attributes` is given and does
 *   not name it (meta is "default" too, RFC 7643 §3.1);
 * - request: kept only when `attributes` names it.
 * Names are case-insensitive, may carry their schema URN and may name a
 * sub-attribute: naming a parent keeps all of it, naming a sub-attribute keeps
 * the parent with only that sub-attribute. Extension attributes are under
 * their URN, which their names must carry (RFC 7644 §3.10). A name that
 * matches nothing is ignored, not an error: the RFC gives no error for it and
 * a client asking for an attribute this server lacks simply gets none.
 */
export function projectAttributes(resource: Record<string, unknown>, request: AttributeParameters): Record<string, unknown> {
  const attributes = nonEmpty(request.attributes);
  const excludedAttributes = nonEmpty(request.excludedAttributes);
  refuseBoth(attributes, excludedAttributes);
  const root = rootOf(resource);
  const selection: Selection =
    attributes !== undefined
      ? { kind: 'named', named: pathTree(attributes, root) }
      : { kind: 'default', excluded: excludedAttributes !== undefined ? pathTree(excludedAttributes, root) : undefined };
  return projectObject(resource, root.children, selection);
}

// ---------------------------------------------------------------------------
// What the schemas say

interface AttributeNode {
  readonly returned: Returned;
  /** Keyed by lower-cased name (RFC 7643 §2.1: attribute names are case-insensitive). */
  readonly children?: ReadonlyMap<string, AttributeNode>;
}

interface ResourceRoot {
  readonly children: ReadonlyMap<string, AttributeNode>;
  /** Lower-cased; the base schema first. */
  readonly baseSchema?: string;
  readonly extensionSchemas: readonly string[];
}

/** Not in any schema: returned by default and without known sub-attributes. */
const UNKNOWN: AttributeNode = { returned: 'default' };
/** RFC 7643 §3: every representation carries "schemas". */
const SCHEMAS: AttributeNode = { returned: 'always' };

function nodeOf(definition: AttributeDefinition): AttributeNode {
  return {
    returned: definition.returned,
    ...(definition.subAttributes ? { children: childrenOf(definition.subAttributes) } : {}),
  };
}

function childrenOf(definitions: readonly AttributeDefinition[]): Map<string, AttributeNode> {
  return new Map(definitions.map((definition) => [definition.name.toLowerCase(), nodeOf(definition)]));
}

const roots = new Map<string, ResourceRoot>();

/** The resource type is the one whose base schema the resource lists; a resource of no known type keeps the common attributes. */
function rootOf(resource: Record<string, unknown>): ResourceRoot {
  const listed = Array.isArray(resource.schemas) ? resource.schemas.filter((s): s is string => typeof s === 'string') : [];
  const type = RESOURCE_TYPES.find((t) => listed.some((s) => s.toLowerCase() === t.schema.toLowerCase()));
  const key = type?.id ?? '';
  let root = roots.get(key);
  if (!root) {
    root = type ? resourceTypeRoot(type) : { children: withSchemas(childrenOf(COMMON_ATTRIBUTES)), extensionSchemas: [] };
    roots.set(key, root);
  }
  return root;
}

function resourceTypeRoot(type: ResourceTypeDefinition): ResourceRoot {
  const children = withSchemas(childrenOf([...COMMON_ATTRIBUTES, ...(findResourceSchema(type.schema)?.attributes ?? [])]));
  const extensionSchemas: string[] = [];
  for (const { schema } of type.schemaExtensions) {
    const definition = findResourceSchema(schema);
    if (!definition) continue;
    // An extension's attributes live in one object keyed by its URN (RFC 7643 §3.3).
    children.set(schema.toLowerCase(), { returned: 'default', children: childrenOf(definition.attributes) });
    extensionSchemas.push(schema.toLowerCase());
  }
  return { children, baseSchema: type.schema.toLowerCase(), extensionSchemas };
}

function withSchemas(children: Map<string, AttributeNode>): Map<string, AttributeNode> {
  children.set('schemas', SCHEMAS);
  return children;
}

// ---------------------------------------------------------------------------
// What the client named

/** The named paths as a tree of lower-cased segments; `whole` marks a path that ends here. */
interface PathTree {
  whole: boolean;
  readonly children: Map<string, PathTree>;
}

function pathTree(list: string, root: ResourceRoot): PathTree {
  const tree: PathTree = { whole: false, children: new Map() };
  for (const name of list.split(',')) {
    const segments = pathSegments(name, root);
    if (!segments) continue;
    let node = tree;
    for (const segment of segments) {
      let child = node.children.get(segment);
      if (!child) {
        child = { whole: false, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.whole = true;
  }
  return tree;
}

/**
 * RFC 7644 §3.10 attribute notation: `[urn:]attribute[.subAttribute]`. The
 * base schema's URN is optional and dropped; an extension's URN becomes the
 * first segment, as the extension is keyed by it. Undefined for what cannot
 * name anything here: an unknown URN, an empty segment, the bare base URN.
 */
function pathSegments(name: string, root: ResourceRoot): string[] | undefined {
  const path = name.trim().toLowerCase();
  if (!path) return undefined;
  const urn = [root.baseSchema, ...root.extensionSchemas]
    .filter((u): u is string => u !== undefined)
    .sort((x, y) => y.length - x.length)
    .find((u) => path === u || path.startsWith(`${u}:`));
  const rest = urn ? path.slice(urn.length + 1) : path;
  // A colon left over means a URN this resource does not have ("2.0" in it would fool the dot split).
  if (rest.includes(':')) return undefined;
  const segments = rest ? rest.split('.') : [];
  if (segments.some((segment) => !segment.trim())) return undefined;
  if (urn && urn !== root.baseSchema) return [urn, ...segments.map((s) => s.trim())];
  return segments.length > 0 ? segments.map((s) => s.trim()) : undefined;
}

// ---------------------------------------------------------------------------
// Projection

type Selection =
  /** No `attributes`: what is returned by default, minus the excluded paths. */
  | { readonly kind: 'default'; readonly excluded?: PathTree }
  /** `attributes` given: only what it names, plus what is always returned. */
  | { readonly kind: 'named'; readonly named: PathTree }
  /** A parent named as a whole: all of it but what is never returned. */
  | { readonly kind: 'everything' };

const DEFAULT: Selection = { kind: 'default' };
const EVERYTHING: Selection = { kind: 'everything' };
const OMIT = Symbol('omit');

function projectObject(
  object: Record<string, unknown>,
  children: ReadonlyMap<string, AttributeNode> | undefined,
  selection: Selection,
): Record<string, unknown> {
  const projected: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const kept = projectAttribute(key.toLowerCase(), value, children?.get(key.toLowerCase()) ?? UNKNOWN, selection);
    if (kept !== OMIT) projected[key] = kept;
  }
  return projected;
}

function projectAttribute(key: string, value: unknown, node: AttributeNode, selection: Selection): unknown {
  if (node.returned === 'never') return OMIT;
  switch (selection.kind) {
    case 'everything':
      return projectValue(value, node, EVERYTHING);
    case 'named': {
      // RFC 7644 §3.9: `attributes` overrides the default set, but what is always returned stays.
      if (node.returned === 'always') return projectValue(value, node, DEFAULT);
      const named = selection.named.children.get(key);
      if (!named) return OMIT;
      if (named.whole) return projectValue(value, node, EVERYTHING);
      return unlessEmptied(value, projectValue(value, node, { kind: 'named', named }));
    }
    case 'default': {
      // RFC 7644 §3.4.2.5: excludedAttributes has no effect on what is always returned.
      if (node.returned === 'always') return projectValue(value, node, DEFAULT);
      if (node.returned === 'request') return OMIT;
      const excluded = selection.excluded?.children.get(key);
      if (excluded?.whole) return OMIT;
      return unlessEmptied(value, projectValue(value, node, excluded ? { kind: 'default', excluded } : DEFAULT));
    }
  }
}

/** A multi-valued attribute is projected value by value (RFC 7643 §2.4). */
function projectValue(value: unknown, node: AttributeNode, selection: Selection): unknown {
  if (!Array.isArray(value)) return projectSingle(value, node, selection);
  return value.map((item) => unlessEmptied(item, projectSingle(item, node, selection))).filter((item) => item !== OMIT);
}

function projectSingle(value: unknown, node: AttributeNode, selection: Selection): unknown {
  if (isObject(value)) return projectObject(value, node.children, selection);
  // Only sub-attributes were named, and a simple value has none.
  return selection.kind === 'named' ? OMIT : value;
}

/** A complex value whose every sub-attribute was projected away is left out, not sent empty. */
function unlessEmptied(original: unknown, projected: unknown): unknown {
  if (projected === OMIT) return OMIT;
  if (Array.isArray(projected) && projected.length === 0 && Array.isArray(original) && original.length > 0) return OMIT;
  if (isObject(projected) && Object.keys(projected).length === 0 && isObject(original) && Object.keys(original).length > 0) {
    return OMIT;
  }
  return projected;
}

// ---------------------------------------------------------------------------
// Parameters

/**
 * More names than the User resource has attributes and sub-attributes; each
 * is matched against every resource of a page, so 60,000 of them held the
 * event loop 26 s (the attack on issue 18, F22).
 */
export const MAX_ATTRIBUTE_NAMES = 200;
/** And as long in all as a filter may be twice: 200 names of 4,000 dotted characters each still held it 4.6 s (B11). */
export const MAX_ATTRIBUTE_LIST_LENGTH = 8_192;

function singleList(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ScimError(400, `${name} must be given once, as a comma-separated list`, 'invalidValue');
  if (value.length > MAX_ATTRIBUTE_LIST_LENGTH || value.split(',').length > MAX_ATTRIBUTE_NAMES) {
    throw new ScimError(400, `${name} may name at most ${MAX_ATTRIBUTE_NAMES} attributes, in at most ${MAX_ATTRIBUTE_LIST_LENGTH} characters`, 'invalidValue');
  }
  return nonEmpty(value);
}

function nonEmpty(list: string | undefined): string | undefined {
  return list !== undefined && list.trim() !== '' ? list : undefined;
}

function refuseBoth(attributes: string | undefined, excludedAttributes: string | undefined): void {
  if (attributes !== undefined && excludedAttributes !== undefined) {
    throw new ScimError(400, 'attributes and excludedAttributes are mutually exclusive (RFC 7644 §3.9): send one of them', 'invalidValue');
  }
}
