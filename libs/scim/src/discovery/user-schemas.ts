import { CORE_USER_SCHEMA, DRUVA_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../scim-schemas';
import { attribute, AttributeDefinition, complexAttribute, SchemaDefinition } from './schema-definition';
import { GROUP_SCHEMA_DEFINITION } from './group-schema';

/*
 * The User schemas as data, the one definition of the User resource:
 * /Schemas serves them, the SCIM layer reads and validates a request's
 * attributes by them (kept-attributes.ts), the attribute projection reads
 * their "returned", and the filter translation their types, caseExact and
 * where each is kept (a column, or the user's attribute document).
 *
 * Characteristics follow RFC 7643 §8.7.1. Every attribute a client may write
 * is kept as sent and returned (rule A1, revised); password never (L11).
 */

/** RFC 7643 §2.4: the sub-attributes of a multi-valued attribute. */
function multiValuedMembers(valueDescription: string, types: readonly string[] | undefined, valueType: 'string' | 'reference' | 'binary' = 'string') {
  return [
    attribute('value', valueType, valueDescription, {
      ...(valueType === 'reference' ? { referenceTypes: ['external'], caseExact: true } : {}),
      ...(valueType === 'binary' ? { caseExact: true } : {}),
    }),
    attribute('display', 'string', 'A human-readable label for the value, for display only.'),
    attribute('type', 'string', 'What the value is used for.', types ? { canonicalValues: types } : {}),
    attribute('primary', 'boolean', 'True for the preferred value; at most one value is primary.'),
  ];
}

function multiValued(name: string, what: string, types?: readonly string[], valueType?: 'reference' | 'binary') {
  return complexAttribute(name, `${what} Every value is kept as sent.`, multiValuedMembers(`One of the user's ${name}.`, types, valueType), {
    multiValued: true,
  });
}

/**
 * RFC 7643 §3.1 common attributes. §3.1 lets a schema list them for backward
 * compatibility, and clients (and the projection) need their characteristics:
 * id is the only one returned "always"; meta and its sub-attributes are
 * readOnly and returned by default.
 */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = [
  attribute('id', 'string', 'Identifier scim-ledger assigns to the user; stable, never reused, never sent by the client. Stored.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
    column: 'id',
  }),
  attribute('externalId', 'string', "The identity provider's own identifier for the user (Entra ID sends the object id). Stored.", {
    caseExact: true,
    column: 'externalId',
  }),
  complexAttribute(
    'meta',
    'Resource metadata maintained by scim-ledger.',
    [
      attribute('resourceType', 'string', 'The resource type, "User".', { caseExact: true, mutability: 'readOnly' }),
      attribute('created', 'dateTime', 'When the user was created.', { mutability: 'readOnly', column: 'createdAt' }),
      attribute('lastModified', 'dateTime', 'When the user last changed.', { mutability: 'readOnly', column: 'lastModified' }),
      attribute('location', 'reference', "The URI of the user's resource.", {
        referenceTypes: ['uri'],
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute('version', 'string', 'The weak entity tag of the current revision; equals the ETag header (RFC 7644 §3.14).', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
    { mutability: 'readOnly' },
  ),
];

export const CORE_USER_SCHEMA_DEFINITION: SchemaDefinition = {
  id: CORE_USER_SCHEMA,
  name: 'User',
  description: 'User account (RFC 7643 §4.1). Every attribute a client may write is kept as sent and returned (rule A1).',
  attributes: [
    ...COMMON_ATTRIBUTES,
    attribute(
      'userName',
      'string',
      'Unique sign-in name of the user. Stored; it also becomes the user\'s email address with each of ? * / \\ < > replaced by "_" (rules L1, L2).',
      { required: true, uniqueness: 'server', column: 'userName' },
    ),
    complexAttribute('name', "The parts of the user's real name.", [
      attribute(
        'formatted',
        'string',
        'The full name as displayed. A displayName absent is derived from it when neither givenName nor familyName is there (rule L1).',
      ),
      attribute('familyName', 'string', 'Family (last) name.', { column: 'familyName' }),
      attribute('givenName', 'string', 'Given (first) name.', { column: 'givenName' }),
      attribute('middleName', 'string', 'Middle name(s).'),
      attribute('honorificPrefix', 'string', 'Honorific prefix such as "Ms.".'),
      attribute('honorificSuffix', 'string', 'Honorific suffix such as "III".'),
    ]),
    // RFC 7643 makes displayName optional; scim-ledger derives one from name when it is absent (rule L1, revised).
    attribute(
      'displayName',
      'string',
      'Name of the user for display. When absent, derived from name: "givenName familyName" (either alone), else name.formatted; a user with neither is refused (rules L1, M4).',
      { column: 'displayName' },
    ),
    attribute('nickName', 'string', 'Casual name of the user.'),
    attribute('profileUrl', 'reference', "URL of the user's online profile.", { referenceTypes: ['external'], caseExact: true }),
    attribute('title', 'string', 'Job title.'),
    attribute('userType', 'string', 'Relationship of the user to the organisation, e.g. "Employee".'),
    attribute('preferredLanguage', 'string', 'Preferred language, e.g. "en-US".'),
    attribute('locale', 'string', 'Locale for formatting dates, numbers and currency.'),
    attribute('timezone', 'string', 'Time zone in IANA ("Olson") form.'),
    attribute('active', 'boolean', "The user's administrative status. false preserves the user, true reactivates it (rule L4).", { column: 'active' }),
    // RFC 7643 §4.1.1: writeOnly and never returned; scim-ledger does not even keep it (rule L11).
    attribute('password', 'string', 'Cleartext password. Accepted and ignored: scim-ledger does not sync passwords (rule L11).', {
      caseExact: true,
      mutability: 'writeOnly',
      returned: 'never',
    }),
    complexAttribute(
      'emails',
      "Email addresses, every one kept as sent. The primary (else the work, else the first; the userName when none is sent) is the user's inSync email (rule L1).",
      multiValuedMembers('An email address.', ['work', 'home', 'other']),
      { multiValued: true },
    ),
    multiValued('phoneNumbers', 'Phone numbers.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multiValued('ims', 'Instant messaging addresses.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multiValued('photos', 'URLs of photos of the user.', ['photo', 'thumbnail'], 'reference'),
    complexAttribute(
      'addresses',
      'Postal addresses. Every value is kept as sent.',
      [
        attribute('formatted', 'string', 'The full address as printed on a label.'),
        attribute('streetAddress', 'string', 'Street, house number and similar.'),
        attribute('locality', 'string', 'City or locality.'),
        attribute('region', 'string', 'State or region.'),
        attribute('postalCode', 'string', 'Postal code.'),
        attribute('country', 'string', 'Country as an ISO 3166-1 alpha-2 code.'),
        attribute('type', 'string', 'What the address is used for.', { canonicalValues: ['work', 'home', 'other'] }),
        attribute('primary', 'boolean', 'True for the preferred address; at most one address is primary.'),
      ],
      { multiValued: true },
    ),
    // RFC 7643 §4.1.2 and rule G1: groups are read-only on the User, derived from the Groups' members.
    complexAttribute(
      'groups',
      'Groups the user belongs to, directly. Read-only: derived from the members of the Groups; change them through /Groups.',
      [
        attribute('value', 'string', 'The id of the group.', { caseExact: true, mutability: 'readOnly' }),
        attribute('$ref', 'reference', 'The URI of the group.', { referenceTypes: ['Group'], caseExact: true, mutability: 'readOnly' }),
        attribute('display', 'string', 'The name of the group, for display only.', { mutability: 'readOnly' }),
        attribute('type', 'string', 'Whether the membership is direct or through another group.', {
          canonicalValues: ['direct', 'indirect'],
          mutability: 'readOnly',
        }),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    multiValued('entitlements', 'Things the user is entitled to.'),
    multiValued('roles', 'Roles of the user.'),
    multiValued('x509Certificates', 'X.509 certificates issued to the user.', undefined, 'binary'),
  ],
};

export const ENTERPRISE_USER_SCHEMA_DEFINITION: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise user extension (RFC 7643 §4.3). Every attribute is kept as sent and returned (rule A1).',
  attributes: [
    attribute('employeeNumber', 'string', 'Identifier the organisation gives the employee.'),
    attribute('costCenter', 'string', 'Cost center.'),
    attribute('organization', 'string', 'Organisation.'),
    attribute('division', 'string', 'Division.'),
    attribute('department', 'string', 'Department.'),
    complexAttribute('manager', "The user's manager.", [
      attribute('value', 'string', "The id of the manager's User resource.", { caseExact: true }),
      attribute('$ref', 'reference', "The URI of the manager's User resource.", { referenceTypes: ['User'] }),
      attribute('displayName', 'string', "The manager's display name.", { mutability: 'readOnly' }),
    ]),
  ],
};

/** Rule A2: the vendor's extension; userPrincipalName is kept, anything else only read by the mappings (A3). */
export const DRUVA_USER_SCHEMA_DEFINITION: SchemaDefinition = {
  id: DRUVA_USER_SCHEMA,
  name: 'DruvaUser',
  description:
    'Druva inSync user extension. userPrincipalName is stored. Any other attribute sent in this extension (e.g. city, country, department) is write-only: SCIM mappings read it when the user is created, and it is never stored or returned (rule A3, returned "never").',
  attributes: [
    // readWrite for SCIM: the IdP is the only writer; an administrator cannot change it (rule A2).
    attribute(
      'userPrincipalName',
      'string',
      "The user's principal name (UPN) in the identity provider. Stored; only the identity provider can change it, never an administrator (rule A2).",
      { column: 'userPrincipalName' },
    ),
    // Rule A3's examples, listed so that /Schemas says what becomes of them; any other name is treated alike (unlistedAttributes).
    ...['city', 'country', 'department'].map((name) =>
      attribute(name, 'string', `Read by the SCIM mappings when the user is created (rule A3); never stored or returned.`, {
        mutability: 'writeOnly',
        returned: 'never',
      }),
    ),
  ],
  unlistedAttributes: 'mapping-only',
};

/** The User resource's schemas: its core schema and its extensions, which the User's reading, PATCH and filters know. */
export const RESOURCE_SCHEMAS: readonly SchemaDefinition[] = [CORE_USER_SCHEMA_DEFINITION, ENTERPRISE_USER_SCHEMA_DEFINITION, DRUVA_USER_SCHEMA_DEFINITION];

/** Every resource schema /Schemas serves, in the order it lists them: the User's, then the Group's (rule G1). */
export const SERVED_SCHEMAS: readonly SchemaDefinition[] = [...RESOURCE_SCHEMAS, GROUP_SCHEMA_DEFINITION];

/** Case-insensitive (decision): IdPs vary the case of extension URNs, as they do of attribute names (RFC 7643 §2.1). */
export function findResourceSchema(uri: string): SchemaDefinition | undefined {
  const wanted = uri.toLowerCase();
  return SERVED_SCHEMAS.find((schema) => schema.id.toLowerCase() === wanted);
}
