/** RFC 7643 §7: the schema that describes a schema, and the ones for the other discovery resources. */
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
/** RFC 7643 §4.2 (rule G1). */
export const CORE_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** RFC 7643 §2.3 data types. */
export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';
/** RFC 7643 §7 "mutability". */
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
/** RFC 7643 §7 "returned": the single source the attribute projection reads. */
export type Returned = 'always' | 'never' | 'default' | 'request';
/** RFC 7643 §7 "uniqueness". */
export type Uniqueness = 'none' | 'server' | 'global';

/**
 * One attribute with every characteristic of RFC 7643 §7 spelled out, never
 * left to the §2.2 defaults: Entra ID reads /Schemas literally and wants no
 * nulls, so optional keys are omitted rather than null.
 */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  /** RFC 7643 §7: only for type "reference". */
  readonly referenceTypes?: readonly string[];
  /** RFC 7643 §2.3.8: only for type "complex"; a sub-attribute is never complex itself. */
  readonly subAttributes?: readonly AttributeDefinition[];
  /**
   * Not served: the scim_users column that keeps the attribute, for the few
   * the backup service reads (rules A1, A2). Every other attribute a client may
   * write is kept in the user's attribute document, where filters read it too.
   */
  readonly column?: UserColumn;
}

/** The scim_users columns that keep an attribute of the User resource on their own. */
export type UserColumn =
  'id' | 'externalId' | 'userName' | 'displayName' | 'givenName' | 'familyName' | 'userPrincipalName' | 'active' | 'createdAt' | 'lastModified';

/**
 * What becomes of an attribute an extension does not list (rule A3: the Druva
 * extension carries whatever the tenant's mappings read, city, country…): it
 * is accepted, read by the mappings on a create, and never stored or returned.
 */
export type UnlistedAttributes = 'refused' | 'mapping-only';

/** A resource schema (RFC 7643 §7), served by /Schemas. */
export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
  /** Absent: an attribute the schema does not list is not one of its attributes. */
  readonly unlistedAttributes?: UnlistedAttributes;
}

type Characteristics = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

/**
 * An attribute with RFC 7643 §2.2's defaults written out (not required,
 * case-insensitive, readWrite, returned by default, not unique, single-valued)
 * and only the differences given.
 */
export function attribute(name: string, type: AttributeType, description: string, characteristics: Characteristics = {}): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...characteristics,
  };
}

/** A complex attribute (RFC 7643 §2.3.8) and its sub-attributes. */
export function complexAttribute(
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  characteristics: Characteristics = {},
): AttributeDefinition {
  return attribute(name, 'complex', description, { ...characteristics, subAttributes });
}

/** The attribute of that name among these, compared case-insensitively (RFC 7643 §2.1). */
export function namedIn(attributes: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined {
  const wanted = name.toLowerCase();
  return attributes.find((attribute) => attribute.name.toLowerCase() === wanted);
}
