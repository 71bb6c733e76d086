import { readGroupPatch } from './group-patch';
import { readScimGroup } from './group-resource';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const patchOf = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

describe('a PATCH of a group, as Entra ID and Okta send it (RFC 7644 §3.5.2)', () => {
  it.each([
    ['Add members (Entra)', { op: 'Add', path: 'members', value: [{ $ref: null, value: 'u1' }] }, { membership: [{ op: 'add', userIds: ['u1'] }] }],
    [
      'Remove members by value (Entra without aadOptscim062020)',
      { op: 'Remove', path: 'members', value: [{ value: 'u1' }] },
      { membership: [{ op: 'remove', userIds: ['u1'] }] },
    ],
    [
      'remove members[value eq] (Entra with the flag, Okta)',
      { op: 'remove', path: 'members[value eq "u\\"1"]' },
      { membership: [{ op: 'remove', userIds: ['u"1'] }] },
    ],
    [
      'replace members (Okta full push)',
      { op: 'replace', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] },
      { membership: [{ op: 'replace', userIds: ['u1', 'u2'] }] },
    ],
    ['replace members with []', { op: 'replace', path: 'members', value: [] }, { membership: [{ op: 'replace', userIds: [] }] }],
    ['remove members without a value: all of them', { op: 'remove', path: 'members' }, { membership: [{ op: 'replace', userIds: [] }] }],
    ['Replace displayName by path', { op: 'Replace', path: 'displayName', value: 'Eng' }, { displayName: 'Eng', membership: [] }],
    ['path-less replace of {id, displayName} (Okta)', { op: 'replace', value: { id: 'g1', displayName: 'Eng' } }, { displayName: 'Eng', membership: [] }],
    [
      'the core URN on a path',
      { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:Group:displayName', value: 'Eng' },
      { displayName: 'Eng', membership: [] },
    ],
    ['remove externalId', { op: 'remove', path: 'externalId' }, { externalId: null, membership: [] }],
  ])('given %s, when read, then that change', (_, operation, expected) => {
    expect(readGroupPatch(patchOf(operation))).toEqual(expected);
  });

  it('given operations on members and the name in one PATCH, when read, then each in order', () => {
    expect(
      readGroupPatch(
        patchOf(
          { op: 'remove', path: 'members[value eq "u2"]' },
          { op: 'add', path: 'members', value: [{ value: 'u1', display: 'x' }] },
          { op: 'replace', value: { displayName: 'Eng' } },
        ),
      ),
    ).toEqual({
      displayName: 'Eng',
      membership: [
        { op: 'remove', userIds: ['u2'] },
        { op: 'add', userIds: ['u1'] },
      ],
    });
  });

  it.each([
    ['no Operations', { schemas: [PATCH_OP] }, 'invalidSyntax'],
    ['an unknown op', patchOf({ op: 'move', path: 'members' }), 'invalidSyntax'],
    ['a path-less remove', patchOf({ op: 'remove' }), 'noTarget'],
    ['an unknown attribute', patchOf({ op: 'add', path: 'owner', value: 'x' }), 'invalidPath'],
    ['an add by a value filter', patchOf({ op: 'add', path: 'members[value eq "u1"]' }), 'invalidPath'],
    ['a removed displayName', patchOf({ op: 'remove', path: 'displayName' }), 'mutability'],
    ['a changed id by path', patchOf({ op: 'replace', path: 'id', value: 'x' }), 'mutability'],
    ['a member without a value', patchOf({ op: 'add', path: 'members', value: [{ display: 'x' }] }), 'invalidValue'],
    ['a nested group', patchOf({ op: 'add', path: 'members', value: [{ value: 'g2', type: 'Group' }] }), 'invalidValue'],
    ['an empty displayName', patchOf({ op: 'replace', path: 'displayName', value: ' ' }), 'invalidValue'],
  ])('given %s, when read, then 400 %s', (_, body, scimType) => {
    expect(() => readGroupPatch(body)).toThrow(expect.objectContaining({ status: 400, scimType }));
  });
});

describe('a whole group, as POST and PUT send it', () => {
  it("given Entra's create with its extra schema and meta, when read, then its name, externalId and no members", () => {
    expect(
      readScimGroup({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '8aa1a0c0',
        displayName: 'displayName',
        meta: { resourceType: 'Group' },
      }),
    ).toEqual({ displayName: 'displayName', externalId: '8aa1a0c0', members: [] });
  });

  it('given a body without the Group schema, when read, then 400 invalidSyntax', () => {
    expect(() => readScimGroup({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], displayName: 'x' })).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidSyntax' }),
    );
  });
});
