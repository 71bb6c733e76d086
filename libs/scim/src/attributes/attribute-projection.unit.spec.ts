import { ScimError } from '../scim-error';
import { CORE_USER_SCHEMA, DRUVA_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../scim-schemas';
import { toScimUser } from '../user-resource';
import { AttributeParameters, projectAttributes, readAttributeParameters } from './attribute-projection';

const LOCATION = 'https://scim.example.com/scim/v2/Users/6b0c1f52-0000-4000-8000-000000000001';

/** A stored user exactly as GET /Users/{id} renders it, with a UPN (rule A2). */
function storedUser(): Record<string, unknown> {
  return toScimUser(
    {
      id: '6b0c1f52-0000-4000-8000-000000000001',
      profile: {
        userName: 'ada@example.com',
        email: 'ada@example.com',
        displayName: 'Ada Lovelace',
        givenName: 'Ada',
        familyName: 'Lovelace',
        externalId: 'entra-object-id',
        userPrincipalName: 'ada@corp.example.com',
        attributes: {},
      },
      active: true,
      created: '2026-01-02T03:04:05.000Z',
      lastModified: '2026-01-03T03:04:05.000Z',
      revision: 2,
    },
    LOCATION,
  );
}

/** given a resource, when projected with these parameters, then exactly this comes out. */
function givenResource(resource: Record<string, unknown>) {
  return {
    whenProjected: (request: AttributeParameters) => ({
      then: (expected: Record<string, unknown>) => expect(projectAttributes(resource, request)).toEqual(expected),
      thenKeys: (keys: string[]) => expect(Object.keys(projectAttributes(resource, request))).toEqual(keys),
      thenRefused: (detail: RegExp) => expectRefusal(() => projectAttributes(resource, request), detail),
    }),
  };
}

function expectRefusal(run: () => unknown, detail: RegExp) {
  let refusal: unknown;
  try {
    run();
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(ScimError);
  expect(refusal).toMatchObject({ status: 400, scimType: 'invalidValue', detail: expect.stringMatching(detail) });
}

const user = storedUser();
const { schemas, id, meta, name, emails } = user as Record<string, Record<string, unknown>>;
const druva = user[DRUVA_USER_SCHEMA] as Record<string, unknown>;

describe('projectAttributes (RFC 7644 §3.4.2.5, §3.9; RFC 7643 §7 "returned")', () => {
  describe('without parameters', () => {
    it('given a stored user, when projected with nothing asked, then it is returned unchanged', () => {
      givenResource(user).whenProjected({}).then(storedUser());
    });

    it('given empty parameters, when projected, then they count as absent', () => {
      givenResource(user).whenProjected({ attributes: ' ', excludedAttributes: '' }).then(storedUser());
    });

    it('given a resource carrying a password, when projected with nothing asked, then the password is left out (returned "never")', () => {
      givenResource({ ...user, password: 'S3cret!' })
        .whenProjected({})
        .then(storedUser());
    });

    it('given a resource, when projected, then the input is not changed', () => {
      const resource = storedUser();
      projectAttributes(resource, { attributes: 'userName' });
      projectAttributes(resource, { excludedAttributes: 'name,emails.type' });
      expect(resource).toEqual(storedUser());
    });
  });

  describe('attributes', () => {
    it('given attributes=userName, then only schemas, id (returned "always") and userName remain, as in RFC 7644 §3.9', () => {
      givenResource(user).whenProjected({ attributes: 'userName' }).then({ schemas, id, userName: 'ada@example.com' });
    });

    it('given attributes=userName, then meta and externalId are left out: both are returned "default" (RFC 7643 §3.1)', () => {
      const projected = projectAttributes(user, { attributes: 'userName' });
      expect(projected).not.toHaveProperty('meta');
      expect(projected).not.toHaveProperty('externalId');
    });

    it('given several names with spaces around them, then each is kept, in the resource order', () => {
      givenResource(user).whenProjected({ attributes: ' displayName , active,externalId ' }).thenKeys(['schemas', 'id', 'externalId', 'displayName', 'active']);
    });

    it('given a parent, then all its sub-attributes come with it', () => {
      givenResource(user).whenProjected({ attributes: 'name,meta,emails' }).then({ schemas, id, name, emails, meta });
    });

    it.each([
      ['name.familyName', { name: { familyName: 'Lovelace' } }],
      ['emails.value', { emails: [{ value: 'ada@example.com' }] }],
      ['meta.lastModified', { meta: { lastModified: '2026-01-03T03:04:05.000Z' } }],
      ['meta.lastModified,meta.version', { meta: { lastModified: '2026-01-03T03:04:05.000Z', version: 'W/"2"' } }],
      ['name.givenName,name', { name }],
    ])('given the sub-attribute path %s, then the parent stays with only what was named', (attributes, kept) => {
      givenResource(user)
        .whenProjected({ attributes })
        .then({ schemas, id, ...kept });
    });

    it('given a sub-attribute no value has, then the multi-valued parent is left out rather than sent as empty objects', () => {
      givenResource(user).whenProjected({ attributes: 'emails.display' }).then({ schemas, id });
    });

    it('given the core URN before a name, then it names the same attribute', () => {
      givenResource(user)
        .whenProjected({ attributes: `${CORE_USER_SCHEMA}:name.givenName,${CORE_USER_SCHEMA}:userName` })
        .then({ schemas, id, userName: 'ada@example.com', name: { givenName: 'Ada' } });
    });

    it('given an extension attribute with its URN, then the extension block stays with that attribute', () => {
      givenResource(user)
        .whenProjected({ attributes: `${DRUVA_USER_SCHEMA}:userPrincipalName` })
        .then({ schemas, id, [DRUVA_USER_SCHEMA]: { userPrincipalName: 'ada@corp.example.com' } });
    });

    it('given the bare extension URN, then the whole extension block stays', () => {
      givenResource(user)
        .whenProjected({ attributes: DRUVA_USER_SCHEMA })
        .then({ schemas, id, [DRUVA_USER_SCHEMA]: druva });
    });

    it('given an extension attribute without its URN, then it names nothing: extension names carry their URN (RFC 7644 §3.10)', () => {
      givenResource(user).whenProjected({ attributes: 'userPrincipalName' }).then({ schemas, id });
    });

    it('given an enterprise extension sub-attribute path, then only that part of the block stays', () => {
      const enterprise = { department: 'Research', manager: { value: 'm-1', displayName: 'Charles' } };
      givenResource({ ...user, schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA], [ENTERPRISE_USER_SCHEMA]: enterprise })
        .whenProjected({ attributes: `${ENTERPRISE_USER_SCHEMA}:manager.displayName` })
        .then({ schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA], id, [ENTERPRISE_USER_SCHEMA]: { manager: { displayName: 'Charles' } } });
    });

    it('given names in any case, then they match and the resource keeps its own spelling (RFC 7643 §2.1)', () => {
      givenResource(user)
        .whenProjected({ attributes: `USERNAME,Name.GIVENNAME,${DRUVA_USER_SCHEMA.toUpperCase()}:USERPRINCIPALNAME` })
        .then({ schemas, id, userName: 'ada@example.com', name: { givenName: 'Ada' }, [DRUVA_USER_SCHEMA]: druva });
    });

    it('given attributes=password, then it is still left out (returned "never")', () => {
      givenResource({ ...user, password: 'S3cret!' })
        .whenProjected({ attributes: 'password,userName' })
        .then({ schemas, id, userName: 'ada@example.com' });
    });

    it.each([
      ['an unknown attribute', 'shoeSize'],
      ['an unknown sub-attribute', 'name.shoeSize'],
      ['a sub-attribute of a simple attribute', 'userName.first'],
      ['an unknown schema URN', 'urn:example:params:scim:schemas:extension:Shoes:2.0:User:size'],
      ['an attribute of a known extension this resource type lacks', 'urn:ietf:params:scim:schemas:core:2.0:Group:displayName'],
      ['empty segments', 'name..givenName,.name,,'],
      ['the bare core URN', CORE_USER_SCHEMA],
    ])('given %s next to displayName, then it is ignored, not an error', (_, unknown) => {
      givenResource(user)
        .whenProjected({ attributes: `${unknown},displayName` })
        .then({ schemas, id, displayName: 'Ada Lovelace' });
    });

    it('given a resource attribute no schema defines, then it is treated as returned "default"', () => {
      const resource = { ...user, nickName: 'Ada', 'x-custom': { a: 1 } };
      expect(projectAttributes(resource, {})).toMatchObject({ nickName: 'Ada', 'x-custom': { a: 1 } });
      expect(projectAttributes(resource, { attributes: 'userName' })).not.toHaveProperty('x-custom');
      expect(projectAttributes(resource, { attributes: 'x-custom.a' })).toEqual({ schemas, id, 'x-custom': { a: 1 } });
    });

    it('given a resource of no known type, then id and schemas are still always returned', () => {
      givenResource({ schemas: ['urn:example:Thing'], id: 't-1', colour: 'blue', size: 3 })
        .whenProjected({ attributes: 'size' })
        .then({ schemas: ['urn:example:Thing'], id: 't-1', size: 3 });
    });
  });

  describe('excludedAttributes', () => {
    it('given excludedAttributes=emails,name, then both are dropped and everything else stays', () => {
      const { emails: _e, name: _n, ...rest } = storedUser();
      givenResource(user).whenProjected({ excludedAttributes: 'emails,name' }).then(rest);
    });

    it('given excludedAttributes=id,schemas, then nothing changes: they are returned "always" (RFC 7644 §3.4.2.5)', () => {
      givenResource(user).whenProjected({ excludedAttributes: 'id,schemas,ID' }).then(storedUser());
    });

    it('given sub-attribute paths, then only those sub-attributes go', () => {
      const projected = projectAttributes(user, { excludedAttributes: 'meta.version,emails.type,name.givenName' });
      expect(projected.meta).toEqual({ resourceType: 'User', created: meta.created, lastModified: meta.lastModified, location: LOCATION });
      expect(projected.emails).toEqual([{ value: 'ada@example.com', primary: true }]);
      expect(projected.name).toEqual({ familyName: 'Lovelace' });
      expect(projected.userName).toBe('ada@example.com');
    });

    it('given every sub-attribute of name excluded, then name is left out rather than sent empty', () => {
      expect(projectAttributes(user, { excludedAttributes: 'name.givenName,name.familyName' })).not.toHaveProperty('name');
    });

    it('given an extension attribute with its URN, then the emptied extension block is left out', () => {
      const { [DRUVA_USER_SCHEMA]: _d, ...rest } = storedUser();
      givenResource(user)
        .whenProjected({ excludedAttributes: `${DRUVA_USER_SCHEMA}:userPrincipalName` })
        .then(rest);
    });

    it('given the URN-qualified core name in another case, then it is excluded too', () => {
      expect(projectAttributes(user, { excludedAttributes: `${CORE_USER_SCHEMA.toUpperCase()}:DisplayName` })).not.toHaveProperty('displayName');
    });

    it('given unknown names, then they are ignored', () => {
      givenResource(user).whenProjected({ excludedAttributes: 'shoeSize,urn:example:x:y,name.shoeSize' }).then(storedUser());
    });

    it('given a password in the resource, when other attributes are excluded, then the password is still left out', () => {
      expect(projectAttributes({ ...user, password: 'S3cret!' }, { excludedAttributes: 'emails' })).not.toHaveProperty('password');
    });
  });

  it('given both attributes and excludedAttributes, then 400 invalidValue: they are mutually exclusive (RFC 7644 §3.9)', () => {
    givenResource(user)
      .whenProjected({ attributes: 'userName', excludedAttributes: 'emails' })
      .thenRefused(/mutually exclusive/);
  });
});

describe('readAttributeParameters', () => {
  it('given neither parameter, then neither is read', () => {
    expect(readAttributeParameters({ filter: 'userName eq "a"', count: '10' })).toEqual({});
  });

  it('given attributes, then it is read as sent', () => {
    expect(readAttributeParameters({ attributes: 'userName,name.givenName' })).toEqual({ attributes: 'userName,name.givenName' });
  });

  it('given excludedAttributes (Entra ID sends excludedAttributes=members), then it is read as sent', () => {
    expect(readAttributeParameters({ excludedAttributes: 'members' })).toEqual({ excludedAttributes: 'members' });
  });

  it('given an empty value, then it counts as absent', () => {
    expect(readAttributeParameters({ attributes: '', excludedAttributes: '  ' })).toEqual({});
  });

  it.each([
    ['attributes given twice', { attributes: ['userName', 'emails'] }, /attributes must be given once/],
    ['excludedAttributes given twice', { excludedAttributes: ['name', 'emails'] }, /excludedAttributes must be given once/],
    ['both at once', { attributes: 'userName', excludedAttributes: 'emails' }, /mutually exclusive/],
  ])('given %s, then 400 invalidValue', (_, query, detail) => {
    expectRefusal(() => readAttributeParameters(query), detail);
  });
});
