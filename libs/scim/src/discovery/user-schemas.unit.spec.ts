import { CORE_USER_SCHEMA, DRUVA_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../scim-schemas';
import { toScimUser } from '../user-resource';
import { AttributeDefinition } from './schema-definition';
import { toSchemaResource } from './schema-resource';
import { findResourceSchema, RESOURCE_SCHEMAS } from './user-schemas';

function everyAttribute(definitions: readonly AttributeDefinition[], parent = ''): [string, AttributeDefinition][] {
  return definitions.flatMap((definition) => {
    const path = `${parent}${definition.name}`;
    return [[path, definition] as [string, AttributeDefinition], ...everyAttribute(definition.subAttributes ?? [], `${path}.`)];
  });
}

const CORE = findResourceSchema(CORE_USER_SCHEMA)!;
const core = new Map(everyAttribute(CORE.attributes));

describe('User schema definitions (RFC 7643 §7, §8.7.1)', () => {
  it('given the served schemas, then they are the core User, the enterprise extension and the Druva extension', () => {
    expect(RESOURCE_SCHEMAS.map((schema) => schema.id)).toEqual([CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, DRUVA_USER_SCHEMA]);
  });

  it.each(RESOURCE_SCHEMAS.map((schema) => [schema.id, schema] as const))(
    'given %s, then every attribute is well formed: subAttributes only on complex, referenceTypes only on references, no complex inside complex',
    (_, schema) => {
      for (const [path, definition] of everyAttribute(schema.attributes)) {
        expect([path, definition.type === 'complex']).toEqual([path, definition.subAttributes !== undefined]);
        expect([path, definition.type === 'reference']).toEqual([path, definition.referenceTypes !== undefined]);
        if (path.includes('.')) expect([path, definition.type]).not.toEqual([path, 'complex']);
        expect(definition.description.length).toBeGreaterThan(0);
      }
    },
  );

  it.each([
    ['id', { caseExact: true, mutability: 'readOnly', returned: 'always' }],
    ['userName', { required: true, caseExact: false, uniqueness: 'server', returned: 'default' }],
    // Rule L1, revised: an IdP may leave displayName out (RFC 7643 makes it optional); it is derived from name then.
    ['displayName', { required: false, returned: 'default', description: expect.stringContaining('derived from name') }],
    ['password', { mutability: 'writeOnly', returned: 'never', caseExact: true }],
    ['groups', { mutability: 'readOnly', multiValued: true }],
    ['meta', { mutability: 'readOnly', returned: 'default' }],
    ['externalId', { caseExact: true, mutability: 'readWrite' }],
    ['emails.type', { canonicalValues: ['work', 'home', 'other'] }],
    ['groups.$ref', { type: 'reference', referenceTypes: ['Group'] }],
  ])('given the core User attribute %s, then its characteristics are those of RFC 7643', (path, characteristics) => {
    expect(core.get(path)).toMatchObject(characteristics);
  });

  it('given a stored user as toScimUser renders it, then every attribute it carries is defined, so projection knows how it is returned', () => {
    const rendered = toScimUser(
      {
        id: 'u-1',
        profile: {
          userName: 'a@x',
          email: 'a@x',
          displayName: 'A',
          givenName: 'A',
          familyName: 'B',
          externalId: 'e',
          userPrincipalName: 'a@corp',
          attributes: {},
        },
        active: true,
        created: '2026-01-01T00:00:00.000Z',
        lastModified: '2026-01-01T00:00:00.000Z',
        revision: 0,
      },
      'https://x/Users/u-1',
    );
    const druva = new Map(everyAttribute(findResourceSchema(DRUVA_USER_SCHEMA)!.attributes));
    const paths = Object.entries(rendered).flatMap(([key, value]) => {
      if (key === 'schemas') return [];
      if (key === DRUVA_USER_SCHEMA) return Object.keys(value as object).map((sub) => [druva, sub] as const);
      const item = Array.isArray(value) ? value[0] : value;
      return typeof item === 'object' ? Object.keys(item).map((sub) => [core, `${key}.${sub}`] as const) : [[core, key] as const];
    });
    for (const [schema, path] of paths) expect([path, schema.has(path)]).toEqual([path, true]);
  });

  it('given rule A1 (revised), then no description of a writable attribute says it is not stored, and the Druva extension says its other attributes are write-only', () => {
    for (const [path, definition] of core) {
      if (definition.mutability !== 'readOnly' && path !== 'password')
        expect([path, definition.description]).toEqual([path, expect.not.stringMatching(/not stored/i)]);
    }
    expect(findResourceSchema(DRUVA_USER_SCHEMA)).toMatchObject({
      unlistedAttributes: 'mapping-only',
      description: expect.stringContaining('returned "never"'),
    });
  });

  it('given the Druva extension, when rendered as a Schema resource, then userPrincipalName has every characteristic and no nulls', () => {
    const resource = toSchemaResource(findResourceSchema(DRUVA_USER_SCHEMA)!, 'https://x/scim/v2');
    expect(resource.attributes).toEqual([
      {
        name: 'userPrincipalName',
        type: 'string',
        multiValued: false,
        description: expect.stringContaining('rule A2'),
        required: false,
        caseExact: false,
        mutability: 'readWrite',
        returned: 'default',
        uniqueness: 'none',
      },
      // Rule A3's examples: write-only, never returned.
      ...['city', 'country', 'department'].map((name) => expect.objectContaining({ name, mutability: 'writeOnly', returned: 'never' })),
    ]);
    expect(JSON.stringify(resource)).not.toContain('null');
  });

  it('given a URI in another case, when looked up, then the schema is found; given an unknown one, then none', () => {
    expect(findResourceSchema(DRUVA_USER_SCHEMA.toLowerCase())?.id).toBe(DRUVA_USER_SCHEMA);
    expect(findResourceSchema('URN:ietf:params:scim:schemas:core:2.0:group')?.id).toBe('urn:ietf:params:scim:schemas:core:2.0:Group');
    expect(findResourceSchema('urn:example:params:scim:schemas:extension:Shoes:2.0:User')).toBeUndefined();
  });
});
