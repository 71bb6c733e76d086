import { ScimError } from '../scim-error';
import { DRUVA_USER_SCHEMA, PATCH_OP_SCHEMA } from '../scim-schemas';
import { toScimUser } from '../user-resource';
import { applyUserPatch } from './user-patch';

const current = toScimUser(
  {
    id: 'u1',
    profile: {
      userName: 'ada@example.com',
      email: 'ada@example.com',
      displayName: 'Ada Lovelace',
      givenName: 'Ada',
      familyName: 'Lovelace',
      externalId: 'x1',
      userPrincipalName: null,
      attributes: {},
    },
    active: true,
    created: '2026-01-01T00:00:00.000Z',
    lastModified: '2026-01-01T00:00:00.000Z',
    revision: 0,
  },
  'http://localhost/scim/v2/Users/u1',
);
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

describe('applyUserPatch', () => {
  it('given Entra disabling a user with "Replace" and "False", when applied, then active is false', () => {
    const result = applyUserPatch(current, patch({ op: 'Replace', path: 'active', value: 'False' }));
    expect(result.active).toBe(false);
    expect(result.profile.displayName).toBe('Ada Lovelace');
  });

  it('given Okta deactivating with a path-less value, when applied, then active is false', () => {
    expect(applyUserPatch(current, patch({ op: 'replace', value: { active: false } })).active).toBe(false);
  });

  it('given dotted keys and an extension URN key without a path, when applied, then both land', () => {
    const result = applyUserPatch(
      current,
      patch({ op: 'replace', value: { 'name.givenName': 'Augusta', [`${DRUVA_USER_SCHEMA}:userPrincipalName`]: 'ada@corp.example' } }),
    );
    expect(result.profile.givenName).toBe('Augusta');
    expect(result.profile.familyName).toBe('Lovelace');
    expect(result.profile.userPrincipalName).toBe('ada@corp.example');
  });

  it('given a value-filtered path on emails, when replaced, then the work email changes', () => {
    const result = applyUserPatch(current, patch({ op: 'replace', path: 'emails[type eq "work"].value', value: 'ada@new.example' }));
    expect(result.profile.email).toBe('ada@new.example');
  });

  it('given an empty Operations array, when applied, then nothing changes', () => {
    const result = applyUserPatch(current, patch());
    expect(result.profile.userName).toBe('ada@example.com');
    expect(result.active).toBe(true);
  });

  it('given an unknown op, when applied, then 400 invalidSyntax', () => {
    expect(() => applyUserPatch(current, patch({ op: 'move', path: 'active', value: true }))).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidSyntax' }),
    );
  });

  it('given a remove without path, when applied, then 400 noTarget', () => {
    expect(() => applyUserPatch(current, patch({ op: 'remove' }))).toThrow(expect.objectContaining({ scimType: 'noTarget' }));
  });

  it('given the removal of userName, when applied, then refused as invalid', () => {
    expect(() => applyUserPatch(current, patch({ op: 'remove', path: 'userName' }))).toThrow(ScimError);
  });

  it.each(['id', 'meta.lastModified', 'groups', 'urn:ietf:params:scim:schemas:core:2.0:User:id'])(
    'given a replace of read-only %s, when applied, then 400 mutability',
    (path) => {
      expect(() => applyUserPatch(current, patch({ op: 'replace', path, value: 'x' }))).toThrow(
        expect.objectContaining({ status: 400, scimType: 'mutability' }),
      );
    },
  );

  it('given a body without Operations, when applied, then 400 invalidSyntax', () => {
    expect(() => applyUserPatch(current, { schemas: [PATCH_OP_SCHEMA] })).toThrow(expect.objectContaining({ scimType: 'invalidSyntax' }));
  });
});

describe('applyUserPatch and the advertised schemas (issue 18, item 4)', () => {
  it.each([
    ['nickname2', 'nickname2'],
    ['name.nope', 'name.nope'],
    ['emails[kind eq "work"].value', 'emails.kind'],
    ['urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:x', 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:x'],
  ])('given a replace of %s, which no schema in /Schemas defines, when applied, then 400 invalidPath naming it', (path, named) => {
    expect(() => applyUserPatch(current, patch({ op: 'replace', path: 'displayName', value: 'Ada King' }, { op: 'replace', path, value: 'x' }))).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidPath', detail: expect.stringContaining(`"${named}"`) }),
    );
  });

  it.each(['remove', 'add'])('given an %s of an undefined attribute, when applied, then 400 invalidPath as well', (op) => {
    expect(() => applyUserPatch(current, patch(op === 'remove' ? { op, path: 'shoeSize' } : { op, path: 'shoeSize', value: '9' }))).toThrow(
      expect.objectContaining({ scimType: 'invalidPath' }),
    );
  });

  it('given a path-less value with an attribute no schema defines, when applied, then accepted (IdPs send what admins mapped) and the rest lands', () => {
    const result = applyUserPatch(current, patch({ op: 'replace', value: { shoeSize: '9', 'custom.thing': 'x', displayName: 'Ada King' } }));
    expect(result.profile.displayName).toBe('Ada King');
  });

  it('given a user without addresses, when Entra ID replaces addresses[type eq "work"].locality, then the work address is kept with it (rule A1) and the derived emails stay derived', () => {
    const result = applyUserPatch(current, patch({ op: 'replace', path: 'addresses[type eq "work"].locality', value: 'Lyon' }));
    expect(result.profile.attributes).toEqual({ addresses: [{ type: 'work', locality: 'Lyon' }] });
  });

  it('given the paths in another case, when applied, then they land (RFC 7643 §2.1)', () => {
    const result = applyUserPatch(
      current,
      patch({ op: 'replace', path: 'NAME.GIVENNAME', value: 'Augusta' }, { op: 'replace', path: 'DisplayName', value: 'A. King' }),
    );
    expect([result.profile.givenName, result.profile.displayName]).toEqual(['Augusta', 'A. King']);
  });
});
