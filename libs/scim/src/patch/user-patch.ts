import { scimPatch, ScimPatchOperation, ScimError as PatchLibraryError } from 'scim-patch';
import { ScimError, ScimType } from '../scim-error';
import { CORE_USER_SCHEMA, PATCH_OP_SCHEMA } from '../scim-schemas';
import { CORE_USER_SCHEMA_DEFINITION, RESOURCE_SCHEMAS } from '../discovery/user-schemas';
import { type AttributeDefinition, namedIn, type SchemaDefinition } from '../discovery/schema-definition';
import { displayNameDerivedIn, isObject, readScimUser, ScimUserInput, ScimUserResource, withDerivedEmailsKept } from '../user-resource';
import { derivedDisplayName, sameValue, type UserAttributeValue } from '@scim-ledger/domain';
import { resolvePatchPath } from './patch-path';

export const MAX_PATCH_OPERATIONS = 100;
/** A path names one attribute, perhaps with a value filter: a filter's own bound is enough (RFC 7644 §7: limit resource use). */
export const MAX_PATCH_PATH_LENGTH = 1024;
/** The core schema last: each extension's URN begins with no other's, but the core's is checked for its own prefix. */
const SCHEMA_URNS = [...RESOURCE_SCHEMAS.map((schema) => schema.id).filter((id) => id !== CORE_USER_SCHEMA), CORE_USER_SCHEMA];

/**
 * Applies an RFC 7644 §3.5.2 PATCH to a user's SCIM representation with the
 * scim-patch library, after smoothing what Entra ID really sends (op names in
 * any case, booleans as strings, dotted keys and extension URNs as keys of a
 * path-less value), and reads back what scim-ledger keeps.
 */
export function applyUserPatch(current: ScimUserResource, body: unknown): ScimUserInput {
  const operations = patchOperations(body).map((operation) => withStoredSpelling(operation, current));
  let patched: ScimUserResource = current;
  if (operations.length > 0) {
    try {
      patched = scimPatch(structuredClone(current) as never, operations, { mutateDocument: false, treatMissingAsAdd: true });
    } catch (error) {
      throw asScimError(error);
    }
  }
  const read = readScimUser(withTheNewPrimary(current, patched, operations));
  // Emails the user never had sent (derived from its userName, rule L1) and the PATCH left alone stay derived.
  return withDerivedEmailsKept(current, withDisplayNameFollowingName(current, operations, read));
}

/**
 * Rule L1: a display name that is the one the user's name gives follows the
 * name when a PATCH changes the name and leaves the display name alone (an
 * IdP without a displayName mapping PATCHes name.givenName only; found by the
 * attack on issue 18, F7). A PUT says what it wants, so only a PATCH does
 * this; a name that gives none leaves the display name as it was.
 */
function withDisplayNameFollowingName(current: ScimUserResource, operations: readonly ScimPatchOperation[], wanted: ScimUserInput): ScimUserInput {
  const touchesDisplayName = operations.some((operation) =>
    'path' in operation && typeof operation.path === 'string'
      ? /^displayName$/i.test(operation.path)
      : isObject((operation as { value?: unknown }).value) && Object.keys((operation as { value: object }).value).some((key) => /^displayName$/i.test(key)),
  );
  if (touchesDisplayName) return wanted;
  const currentName = isObject(current.name) ? current.name : {};
  const before = derivedDisplayName({
    givenName: text(currentName.givenName),
    familyName: text(currentName.familyName),
    formattedName: text(currentName.formatted),
  });
  const after = derivedDisplayName(wanted.profile);
  // Whether the display name was derived is what the user's events say; for a user whose events are older than that, a
  // display name equal to what its name gives is taken as derived.
  const derived = displayNameDerivedIn(current) ?? current.displayName === before;
  if (before === null || after === null || !derived) return wanted;
  if (after === current.displayName) return wanted;
  // Absent, so that the domain derives it (rule L1) and keeps it marked derived for the next PATCH.
  return { ...wanted, profile: { ...wanted.profile, displayName: '' } };
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * A value filter in a PATCH path selects values as a GET filter does (RFC
 * 7644 §3.5.2 → §3.4.2.2): a case-insensitive sub-attribute compared with
 * `eq` matches in any case. The PATCH library compares exactly, so such a
 * literal is written as the user's value spells it (`emails[value eq
 * "ADA@x"]` selects `ada@x`; `[type eq "WORK"]` replaces the work email
 * instead of adding a second one: the attacks on issue 18, F23 and B14).
 */
function withStoredSpelling(operation: ScimPatchOperation, current: ScimUserResource): ScimPatchOperation {
  const path = 'path' in operation && typeof operation.path === 'string' ? operation.path : '';
  const valuePath = /^([^[\]]+)\[(.*)\](.*)$/s.exec(path);
  if (!valuePath) return operation;
  const [, name, filter, rest] = valuePath;
  const definition = namedIn(CORE_USER_SCHEMA_DEFINITION.attributes, name);
  const values = Array.isArray(current[name]) ? (current[name] as unknown[]).filter(isObject) : [];
  if (!definition?.multiValued || values.length === 0) return operation;
  const respelled = filter.replace(/([A-Za-z$][\w$]*)(\s+eq\s+)("(?:[^"\\]|\\[\s\S])*")/gi, (term, attribute: string, eq: string, literal: string) => {
    const sub = namedIn(definition.subAttributes ?? [], attribute);
    if (!sub || sub.caseExact || sub.type !== 'string') return term;
    let wanted: string;
    try {
      wanted = JSON.parse(literal) as string;
    } catch {
      return term; // not JSON: the PATCH library refuses it
    }
    const stored = values.map((value) => value[sub.name]).filter((value): value is string => typeof value === 'string');
    if (stored.includes(wanted)) return term;
    const spelled = stored.find((value) => value.toLowerCase() === wanted.toLowerCase());
    return spelled === undefined ? term : `${attribute}${eq}${JSON.stringify(spelled)}`;
  });
  return { ...operation, path: `${name}[${respelled}]${rest}` } as ScimPatchOperation;
}

/**
 * RFC 7644 §3.5.2: a PATCH that makes a value primary makes the others not
 * primary. Of a multi-valued attribute with more than one primary value after
 * the operations, the values that were primary before are demoted; two new
 * primaries in one PATCH are still two, and refused (RFC 7643 §2.4).
 */
function withTheNewPrimary(current: ScimUserResource, patched: ScimUserResource, operations: readonly ScimPatchOperation[]): ScimUserResource {
  const isPrimary = (value: unknown) => isObject(value) && (value.primary === true || (typeof value.primary === 'string' && /^true$/i.test(value.primary)));
  // `emails.primary` without a filter sets every value's primary (RFC 7644 §3.5.2.3): which one is meant is not said,
  // so that stays two primaries, refused, instead of the last value winning (the second attack on issue 18, B6).
  const everyValue = new Set(
    operations.flatMap((operation) => ('path' in operation && typeof operation.path === 'string' ? [/^([^.[]+)\.primary$/i.exec(operation.path)?.[1]] : [])),
  );
  const demoted: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(patched)) {
    if (!Array.isArray(values) || values.filter(isPrimary).length < 2 || everyValue.has(name)) continue;
    const before = Array.isArray(current[name]) ? (current[name] as unknown[]).filter(isPrimary) : [];
    const wasPrimary = (value: unknown) => before.some((old) => sameValue(old as UserAttributeValue, value as UserAttributeValue));
    demoted[name] = values.map((value) => (isPrimary(value) && wasPrimary(value) ? { ...(value as object), primary: false } : value));
  }
  return Object.keys(demoted).length > 0 ? { ...patched, ...demoted } : patched;
}

/**
 * scim-patch walks a path with plain property access, so "__proto__.x" or
 * "constructor.prototype.x" would write into Object.prototype of the whole
 * process (prototype pollution). No SCIM attribute has these names.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const QUOTED = /"(?:[^"\\]|\\[\s\S])*"/g;

/** Whether a path or key names a prototype anywhere along it ("a.__proto__", "constructor.prototype"); quoted filter values do not count. */
function namesPrototype(path: string): boolean {
  return path
    .replace(QUOTED, '""')
    .split(/[^\w$]+/)
    .some((segment) => PROTOTYPE_KEYS.has(segment.toLowerCase()));
}

function refusePrototypeKeys(operation: ScimPatchOperation): ScimPatchOperation {
  const path = 'path' in operation && typeof operation.path === 'string' ? operation.path : '';
  if (namesPrototype(path)) {
    throw new ScimError(400, `${path} is not an attribute of a User`, 'invalidPath');
  }
  if ('value' in operation && hasPrototypeKey(operation.value, 0)) {
    throw new ScimError(400, 'a PATCH value may not hold __proto__, constructor or prototype keys', 'invalidValue');
  }
  return operation;
}

function hasPrototypeKey(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) return value.some((item) => hasPrototypeKey(item, depth + 1));
  return Object.keys(value).some((key) => namesPrototype(key) || hasPrototypeKey((value as Record<string, unknown>)[key], depth + 1));
}

function patchOperations(body: unknown): ScimPatchOperation[] {
  if (!isObject(body)) throw new ScimError(400, 'the request body must be a PatchOp message', 'invalidSyntax');
  const schemas = body.schemas;
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.includes(PATCH_OP_SCHEMA))) {
    throw new ScimError(400, `schemas must contain ${PATCH_OP_SCHEMA}`, 'invalidSyntax');
  }
  const operations = body.Operations ?? body.operations;
  if (!Array.isArray(operations)) throw new ScimError(400, 'Operations must be an array', 'invalidSyntax');
  if (operations.length > MAX_PATCH_OPERATIONS) tooManyOperations();
  // A path-less value becomes an operation per dotted or URN key: the bound holds on the operations applied, counted
  // before any is resolved (a value of 12,000 value-path keys held the event loop 35 s: the attack on issue 18, F21).
  const keys = operations.reduce((count: number, operation) => count + pathlessKeys(operation), 0);
  if (keys > MAX_PATCH_OPERATIONS) tooManyOperations();
  const normalised = operations.flatMap(normaliseOperation);
  if (normalised.length > MAX_PATCH_OPERATIONS) tooManyOperations();
  return normalised.map(refusePrototypeKeys);
}

function refuseLongPath(path: string): void {
  if (path.length > MAX_PATCH_PATH_LENGTH) throw new ScimError(400, `a PATCH path may be at most ${MAX_PATCH_PATH_LENGTH} characters`, 'invalidPath');
}

function tooManyOperations(): never {
  throw new ScimError(400, `a PATCH may carry at most ${MAX_PATCH_OPERATIONS} operations, each key of a value without a path counting as one`, 'tooMany');
}

/** The attributes a path-less operation's value names: each may become an operation of its own. */
function pathlessKeys(operation: unknown): number {
  if (!isObject(operation) || operation.path !== undefined || !isObject(operation.value)) return 0;
  return Object.keys(operation.value).length;
}

function normaliseOperation(raw: unknown): ScimPatchOperation[] {
  if (!isObject(raw)) throw new ScimError(400, 'each operation must be an object', 'invalidSyntax');
  const op = typeof raw.op === 'string' ? raw.op.toLowerCase() : '';
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw new ScimError(400, `unknown PATCH op ${JSON.stringify(raw.op)}: use add, replace or remove`, 'invalidSyntax');
  }
  if (raw.path !== undefined && typeof raw.path !== 'string') throw new ScimError(400, 'path must be a string', 'invalidPath');
  if (typeof raw.path === 'string') refuseLongPath(raw.path);
  let path = typeof raw.path === 'string' && raw.path.trim() !== '' ? raw.path.trim() : undefined;
  // Issue 18, item 4: a path names an attribute /Schemas defines (else invalidPath), never a readOnly one (else
  // mutability). A path-less value's keys are not checked: IdPs send attributes admins mapped (rule A3).
  // In the schema's spelling, so the PATCH library finds what is there: an enterprise attribute under its URN (Entra ID
  // PATCHes `manager` by its bare name, its tutorial's example 5), `NAME.GIVENNAME` as name.givenName.
  const target = path ? resolvePatchPath(path) : undefined;
  if (target) path = target.canonical;
  // The path is an extension's URN alone: its attributes, one operation each (see extensionOperations).
  if (target && !target.attribute && target.canonical === target.schema.id && target.schema !== CORE_USER_SCHEMA_DEFINITION) {
    return extensionOperations(op === 'remove' ? 'replace' : op, target.schema, op === 'remove' ? null : raw.value);
  }
  if (op === 'remove') {
    if (!path) throw new ScimError(400, 'remove needs a path', 'noTarget');
    return [{ op, path, ...(raw.value !== undefined ? { value: raw.value } : {}) }];
  }
  if (raw.value === undefined) throw new ScimError(400, `${op} needs a value`, 'invalidValue');
  // RFC 7643 §2.5: null is unassigned, so a replace with null empties the attribute (the PATCH library would fail on a
  // multi-valued one with a TypeError's text). active is left to read as before: it is never unassigned.
  if (path && op === 'replace' && raw.value === null && !/^active$/i.test(path)) return [{ op: 'remove', path }];
  // RFC 7644 §3.5.2.1: one value added to a multi-valued attribute may come as itself, not in a list (the attack on issue 18, F15).
  const oneValue = target?.attribute?.multiValued && !target.subAttribute && !path?.includes('[') && !Array.isArray(raw.value) && raw.value !== null;
  if (path) return [{ op, path, value: /^active$/i.test(path) ? booleanish(raw.value) : oneValue ? [raw.value] : raw.value }];
  if (!isObject(raw.value)) throw new ScimError(400, `${op} without a path needs an object value`, 'invalidValue');
  return splitPathlessValue(op, raw.value);
}

/**
 * Entra ID sends path-less values keyed by dotted paths ("name.givenName")
 * and full extension URNs ("urn:…:Druva:2.0:User:userPrincipalName"). Each
 * such key becomes an operation with that path, so it changes one
 * sub-attribute instead of replacing the whole complex attribute.
 */
function splitPathlessValue(op: 'add' | 'replace', value: Record<string, unknown>): ScimPatchOperation[] {
  const plain: Record<string, unknown> = {};
  const withPath: ScimPatchOperation[] = [];
  for (const [key, raw] of Object.entries(value)) {
    const v = /^active$/i.test(key) ? booleanish(raw) : raw;
    const urn = SCHEMA_URNS.find((u) => key.toLowerCase().startsWith(`${u.toLowerCase()}:`));
    const extension = RESOURCE_SCHEMAS.find((schema) => schema !== CORE_USER_SCHEMA_DEFINITION && schema.id.toLowerCase() === key.toLowerCase());
    if (extension) withPath.push(...extensionOperations(op, extension, v));
    else if (urn === CORE_USER_SCHEMA) withPath.push({ op, path: definedPath(key.slice(urn.length + 1)), value: v });
    else if (urn || key.includes('.') || key.includes('[')) withPath.push({ op, path: definedPath(key), value: v });
    else {
      const [name, canonical] = inSchemaSpelling(key, v);
      if (name in plain && JSON.stringify(plain[name]) !== JSON.stringify(canonical)) {
        throw new ScimError(400, `${name} is sent twice in one value, with different values (attribute names are case-insensitive)`, 'invalidValue');
      }
      // RFC 7644 §3.5.2.3: a complex attribute's sub-attributes not sent are left unchanged, as with a path naming it
      // (`{"name": {"givenName": …}}` keeps familyName).
      if (isObject(canonical) && singleValuedComplex(name)) withPath.push({ op, path: name, value: canonical });
      else plain[name] = canonical;
    }
  }
  return Object.keys(plain).length > 0 ? [{ op, value: plain }, ...withPath] : withPath;
}

/**
 * An extension's attributes as a value (RFC 7643 §3.3: a fragment holds them
 * under the URN), path-less or at the URN's path: one operation per attribute
 * under `urn:…:attribute`, since the PATCH library reads the URN's own dots
 * as a path and changed nothing (the second attack on issue 18, B4). null
 * there unassigns the extension's attributes the value could name: all of them.
 */
function extensionOperations(op: 'add' | 'replace', extension: SchemaDefinition, value: unknown): ScimPatchOperation[] {
  if (value === null) return extension.attributes.map((attribute) => ({ op: 'remove' as const, path: `${extension.id}:${attribute.name}` }));
  if (!isObject(value)) throw new ScimError(400, `${extension.id} must be an object of its attributes`, 'invalidValue');
  return Object.entries(value).map(([key, inner]) => ({ op, path: definedPath(`${extension.id}:${key}`), value: inner }));
}

/**
 * A path-less value's dotted or URN key as a path in the schema's spelling,
 * bounded as a path is (the second attack on issue 18, B9: an 889 KB key was
 * parsed and echoed). A key no schema defines stays as sent, to be ignored and
 * named (rule A4), never refused (issue 18, item 4: IdPs send attributes admins
 * mapped); a key with a value filter is a path in all but name, and one naming
 * an undefined sub-attribute selects nothing: 400 invalidPath, as with `path`
 * (B8: it added a new email).
 */
function definedPath(key: string): string {
  refuseLongPath(key);
  try {
    return resolvePatchPath(key).canonical;
  } catch (error) {
    if (key.includes('[')) throw error;
    return key;
  }
}

function singleValuedComplex(name: string): boolean {
  const definition = namedIn(CORE_USER_SCHEMA_DEFINITION.attributes, name);
  return definition?.type === 'complex' && !definition.multiValued;
}

/** A path-less value's core attribute, its name and the names inside it, in the schema's spelling (RFC 7643 §2.1). */
function inSchemaSpelling(key: string, value: unknown): [string, unknown] {
  const definition = namedIn(CORE_USER_SCHEMA_DEFINITION.attributes, key);
  if (!definition) return [key, value];
  return [definition.name, definition.subAttributes ? namesIn(definition.subAttributes, value) : value];
}

function namesIn(attributes: readonly AttributeDefinition[], value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => namesIn(attributes, item));
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      const definition = namedIn(attributes, key);
      if (!definition) return [key, inner];
      return [definition.name, definition.subAttributes ? namesIn(definition.subAttributes, inner) : inner];
    }),
  );
}

function booleanish(value: unknown): unknown {
  return typeof value === 'string' && /^(true|false)$/i.test(value) ? value.toLowerCase() === 'true' : value;
}

function asScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  if (error instanceof PatchLibraryError) {
    const known: ScimType[] = ['invalidPath', 'noTarget', 'invalidValue', 'invalidSyntax', 'invalidFilter', 'mutability'];
    const scimType = known.find((t) => t === error.scimCode) ?? 'invalidValue';
    return new ScimError(400, error.message || 'invalid PATCH operation', scimType);
  }
  return new ScimError(400, `invalid PATCH operation: ${(error as Error).message}`, 'invalidPath');
}
