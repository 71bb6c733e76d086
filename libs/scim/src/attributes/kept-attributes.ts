import type { UserAttributes, UserAttributeValue } from '@scim-ledger/domain';
import { AttributeDefinition, namedIn, SchemaDefinition } from '../discovery/schema-definition';
import { CORE_USER_SCHEMA_DEFINITION, RESOURCE_SCHEMAS } from '../discovery/user-schemas';
import { ScimError } from '../scim-error';
import { isStorableText } from '../storable-text';

/** What a POST or PUT body (or a patched resource) holds beyond the profile's own attributes, read by the User schemas. */
export interface KeptAttributesAsSent {
  /** Rule A1: every attribute a client may write that has no column of its own, in the schema's spelling. */
  readonly attributes: UserAttributes;
  /**
   * Rule A4: what was sent and is not kept, by name as sent: attributes no
   * schema defines (rule A3 reads the top-level ones for mappings on a create),
   * the Druva extension's own (mapping-only), sub-attributes no schema
   * defines, and a password (rule L11). Read-only attributes (id, meta,
   * groups) are the server's and not counted.
   */
  readonly notKept: readonly string[];
}

/**
 * Reads the kept attributes of a User body against the schemas /Schemas
 * serves: names case-insensitive (RFC 7643 §2.1), types checked (a string
 * where a string is defined, booleans also as Entra ID's "True"), multi-valued
 * attributes as arrays of values with at most one primary (RFC 7643 §2.4).
 * null and [] are unassigned (RFC 7644 §3.5.1). Shape only: how long a text
 * or a list may be is the user decider's check, on the stored form.
 */
export function readKeptAttributes(body: Record<string, unknown>): KeptAttributesAsSent {
  const reading = new AttributesReading();
  const attributes: Record<string, UserAttributeValue> = {};
  for (const [key, value] of firstOfEachName(body)) {
    if (key.toLowerCase() === 'schemas') continue;
    const extension = RESOURCE_SCHEMAS.find((schema) => schema !== CORE_USER_SCHEMA_DEFINITION && schema.id.toLowerCase() === key.toLowerCase());
    if (extension) {
      const kept = reading.extension(extension, value);
      if (kept) attributes[extension.id] = kept;
      continue;
    }
    const definition = namedIn(CORE_USER_SCHEMA_DEFINITION.attributes, key);
    if (!definition) {
      reading.note(key);
      continue;
    }
    const kept = reading.attribute(definition, value, definition.name);
    if (kept !== null) attributes[definition.name] = kept;
  }
  return { attributes, notKept: reading.notKept };
}

/**
 * A POST or PUT body's kept attributes read once, before the body's other
 * checks, so that a refusal names what was not kept too (rule A4) and the
 * read itself is handed on to readScimUser; null for a body whose attributes
 * cannot be read (readScimUser then refuses it saying why).
 */
export function keptAttributesIfReadable(body: unknown): KeptAttributesAsSent | null {
  if (!isPlainObject(body)) return null;
  try {
    return readKeptAttributes(body);
  } catch {
    return null;
  }
}

class AttributesReading {
  readonly notKept: string[] = [];

  /** A name as the audit trail can keep it: a key holding U+0000 or a lone surrogate is named by what it is. */
  note(name: string): void {
    this.notKept.push(isStorableText(name) ? name : '(an attribute name that is not valid text)');
  }

  extension(schema: SchemaDefinition, value: unknown): Record<string, UserAttributeValue> | null {
    if (value === null || value === undefined) return null;
    if (!isPlainObject(value)) throw new ScimError(400, `${schema.id} must be an object`, 'invalidValue');
    const kept: Record<string, UserAttributeValue> = {};
    for (const [key, inner] of firstOfEachName(value)) {
      const definition = namedIn(schema.attributes, key);
      if (!definition) {
        // Rule A3: the Druva extension's other attributes only feed the mappings of a create.
        this.note(`${schema.id}:${key}`);
        continue;
      }
      const read = this.attribute(definition, inner, `${schema.id}:${definition.name}`);
      if (read !== null) kept[definition.name] = read;
    }
    return Object.keys(kept).length > 0 ? kept : null;
  }

  /** The attribute as it is kept, or null when it is not kept here (unassigned, read-only, its own column, never stored). */
  attribute(definition: AttributeDefinition, value: unknown, path: string): UserAttributeValue {
    if (value === null || value === undefined || definition.mutability === 'readOnly') return null;
    if (definition.returned === 'never') {
      this.note(path);
      return null;
    }
    if (definition.column) return null;
    if (definition.multiValued) return this.values(definition, value, path);
    if (definition.type === 'complex') return this.complex(definition, value, path);
    return scalar(definition, value, path);
  }

  private values(definition: AttributeDefinition, value: unknown, path: string): UserAttributeValue {
    if (!Array.isArray(value)) throw new ScimError(400, `${path} is multi-valued: send an array of values`, 'invalidValue');
    const values = value
      .map((item) => (definition.type === 'complex' ? this.complex(definition, item, path) : scalar(definition, item, path)))
      .filter((item) => item !== null);
    const primaries = values.filter((item) => isPlainObject(item) && item.primary === true).length;
    // RFC 7643 §2.4: the primary attribute value "true" MUST appear no more than once.
    if (primaries > 1) throw new ScimError(400, `${path} has ${primaries} primary values; at most one may be primary`, 'invalidValue');
    return values.length > 0 ? values : null;
  }

  private complex(definition: AttributeDefinition, value: unknown, path: string): UserAttributeValue {
    if (value === null || value === undefined) return null;
    // Entra ID sends the enterprise manager as its id alone ("manager": "123456", its tutorial's schema example).
    if (typeof value === 'string' && namedIn(definition.subAttributes ?? [], 'value')) return this.complex(definition, { value }, path);
    // ...and, in its example 5, as a list of that one value ("manager": [{"$ref": …, "value": …}]).
    if (Array.isArray(value) && value.length === 1) return this.complex(definition, value[0], path);
    if (!isPlainObject(value)) throw new ScimError(400, `${path} must be an object`, 'invalidValue');
    const kept: Record<string, UserAttributeValue> = {};
    for (const [key, inner] of firstOfEachName(value)) {
      const sub = namedIn(definition.subAttributes ?? [], key);
      if (!sub) {
        this.note(`${path}.${key}`);
        continue;
      }
      if (inner === null || inner === undefined || sub.column) continue;
      // A sub-attribute the server sets (manager.displayName) is ignored when a client sends it (RFC 7643 §7 readOnly).
      if (sub.mutability === 'readOnly') continue;
      kept[sub.name] = scalar(sub, inner, `${path}.${sub.name}`);
    }
    return Object.keys(kept).length > 0 ? kept : null;
  }
}

function scalar(definition: AttributeDefinition, value: unknown, path: string): UserAttributeValue {
  if (definition.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    // Entra ID sends booleans as the strings "True" and "False".
    if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
    throw new ScimError(400, `${path} must be a boolean`, 'invalidValue');
  }
  if (typeof value !== 'string') throw new ScimError(400, `${path} must be a string`, 'invalidValue');
  if (!isStorableText(value)) throw new ScimError(400, `${path} may not contain U+0000 or an unpaired surrogate`, 'invalidValue');
  return value;
}

/**
 * Attribute names are case-insensitive (RFC 7643 §2.1), so `title` and
 * `TITLE` in one object are one attribute sent twice: with one value, kept
 * once; with two, 400 naming it, since neither can be said to be the one
 * meant (the second attack on issue 18, B7: PUT kept the first, PATCH the last).
 */
function firstOfEachName(object: Record<string, unknown>): [string, unknown][] {
  const seen = new Map<string, [string, unknown]>();
  return Object.entries(object).filter(([key, value]) => {
    const lower = key.toLowerCase();
    const earlier = seen.get(lower);
    if (!earlier) {
      seen.set(lower, [key, value]);
      return true;
    }
    if (JSON.stringify(earlier[1]) !== JSON.stringify(value)) {
      throw new ScimError(
        400,
        `${earlier[0]} is sent twice, as ${earlier[0]} and ${key}, with different values (attribute names are case-insensitive)`,
        'invalidValue',
      );
    }
    return false;
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
