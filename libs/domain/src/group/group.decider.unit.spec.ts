import { deciderSpec } from '../testing/decider-spec';
import { decideGroupNameClaim, evolveGroupNameClaim, initialGroupNameClaim } from './group-name-claim';
import { GroupCommand, MembershipChange } from './group.decider';
import { GroupEvent } from './group.events';
import { groupIdOfStream, groupNameClaimStream, groupNameClaimStreamId, groupStream, groupStreamId } from './group.stream';
import { streamOf } from '../streams';

const created: GroupEvent = {
  type: 'GroupCreated',
  data: { groupId: 'g1', tenantId: 't1', displayName: 'Engineering', externalId: 'entra-g1', members: ['u1', 'u2'] },
};
const deleted: GroupEvent = { type: 'GroupDeleted', data: {} };
const members = (...changes: MembershipChange[]): GroupCommand => ({
  type: 'UpdateGroup',
  data: { membership: changes },
});
const add = (...userIds: string[]) => ({ op: 'add' as const, userIds });
const remove = (...userIds: string[]) => ({ op: 'remove' as const, userIds });
const replace = (...userIds: string[]) => ({ op: 'replace' as const, userIds });

/** given past events, when a command, then new events (or a refusal). */
const { given } = deciderSpec(groupStream);

describe('Group decider (rule G1)', () => {
  describe('CreateGroup', () => {
    const create = (data: Partial<Extract<GroupCommand, { type: 'CreateGroup' }>['data']> = {}): GroupCommand => ({
      type: 'CreateGroup',
      data: { groupId: 'g1', tenantId: 't1', displayName: 'Engineering', externalId: 'entra-g1', members: ['u1', 'u2'], ...data },
    });

    it('given no group, when created with members, then GroupCreated with them', () => {
      given().when(create()).then([created]);
    });

    it('given a member listed twice, when created, then it is a member once', () => {
      given()
        .when(create({ members: ['u1', 'u2', 'u1'] }))
        .then([created]);
    });

    it('given an empty displayName, when created, then refused InvalidGroup', () => {
      given()
        .when(create({ displayName: '  ' }))
        .thenRefused('InvalidGroup');
    });

    it('given a displayName wider than the read model holds, when created, then refused InvalidGroup', () => {
      given()
        .when(create({ displayName: 'x'.repeat(513) }))
        .thenRefused('InvalidGroup');
    });

    it('given a member id wider than any user id, when created, then refused UnknownGroupMember', () => {
      given()
        .when(create({ members: ['u'.repeat(37)] }))
        .thenRefused('UnknownGroupMember');
    });

    it('given the group exists, when created again, then it is a caller bug (ids are new)', () => {
      given(created).when(create()).thenThrows();
    });
  });

  describe('UpdateGroup: attributes', () => {
    it('given a group, when renamed, then GroupChanged with both attributes', () => {
      given(created)
        .when({ type: 'UpdateGroup', data: { displayName: 'Eng', membership: [] } })
        .then([{ type: 'GroupChanged', data: { displayName: 'Eng', externalId: 'entra-g1' } }]);
    });

    it('given a group, when its own name and externalId are sent again, then nothing (shared/STYLE.md point 3)', () => {
      given(created)
        .when({ type: 'UpdateGroup', data: { displayName: 'Engineering', externalId: 'entra-g1', membership: [] } })
        .then([]);
    });

    it('given a group, when its externalId is removed, then GroupChanged with externalId null', () => {
      given(created)
        .when({ type: 'UpdateGroup', data: { externalId: null, membership: [] } })
        .then([{ type: 'GroupChanged', data: { displayName: 'Engineering', externalId: null } }]);
    });

    it('given a deleted group, when updated, then refused GroupNotFound', () => {
      given(created, deleted)
        .when(members(add('u3')))
        .thenRefused('GroupNotFound');
    });

    it('given no group, when updated, then refused GroupNotFound', () => {
      given()
        .when(members(add('u3')))
        .thenRefused('GroupNotFound');
    });
  });

  describe('UpdateGroup: members, as deltas only', () => {
    it('given two members, when one more is added, then one event naming only the new one', () => {
      given(created)
        .when(members(add('u3')))
        .then([{ type: 'GroupMembersChanged', data: { added: ['u3'], removed: [] } }]);
    });

    it('given a member, when added again, then nothing', () => {
      given(created)
        .when(members(add('u1')))
        .then([]);
    });

    it('given a user that is not a member, when removed, then nothing', () => {
      given(created)
        .when(members(remove('u9')))
        .then([]);
    });

    it('given several operations in one request, when applied, then ONE event with their net delta', () => {
      given(created)
        .when(members(add('u3', 'u4'), remove('u1', 'u4')))
        .then([{ type: 'GroupMembersChanged', data: { added: ['u3'], removed: ['u1'] } }]);
    });

    it('given members, when replaced by a list, then exactly that list (Okta PUT, replace members)', () => {
      const state = given(created)
        .when(members(replace('u2', 'u5')))
        .thenState();
      expect(state).toMatchObject({ status: 'Active', members: new Set(['u2', 'u5']) });
      given(created)
        .when(members(replace('u2', 'u5')))
        .then([{ type: 'GroupMembersChanged', data: { added: ['u5'], removed: ['u1'] } }]);
    });

    it('given members, when replaced by [], then all are removed', () => {
      given(created)
        .when(members(replace()))
        .then([{ type: 'GroupMembersChanged', data: { added: [], removed: ['u1', 'u2'] } }]);
    });

    it('given an add before a replace in one request, when applied, then the replace wins', () => {
      given(created)
        .when(members(add('u7'), replace('u1')))
        .then([{ type: 'GroupMembersChanged', data: { added: [], removed: ['u2'] } }]);
    });

    it('given a rename and a member in one request, when applied, then both events', () => {
      given(created)
        .when({ type: 'UpdateGroup', data: { displayName: 'Eng', membership: [add('u3')] } })
        .then([
          { type: 'GroupChanged', data: { displayName: 'Eng', externalId: 'entra-g1' } },
          { type: 'GroupMembersChanged', data: { added: ['u3'], removed: [] } },
        ]);
    });
  });

  describe('DeleteGroup', () => {
    it('given a group, when deleted, then GroupDeleted', () => {
      given(created).when({ type: 'DeleteGroup', data: {} }).then([deleted]);
    });

    it('given a deleted group, when deleted again, then refused GroupNotFound', () => {
      given(created, deleted).when({ type: 'DeleteGroup', data: {} }).thenRefused('GroupNotFound');
    });
  });

  describe('fold', () => {
    it('given a cached state, when more events are folded onto it, then the cached state is left as it was', () => {
      const before = groupStream.fold!([created], groupStream.initialState);
      const after = groupStream.fold!([{ type: 'GroupMembersChanged', data: { added: ['u3'], removed: ['u1'] } }], before);
      expect(before).toMatchObject({ members: new Set(['u1', 'u2']) });
      expect(after).toMatchObject({ members: new Set(['u2', 'u3']) });
    });
  });

  describe('streams', () => {
    it('given a group id, when named, then group-<id>, and a name claim is not read as a group', () => {
      expect(groupStreamId('g1')).toBe('group-g1');
      expect(groupIdOfStream('group-g1')).toBe('g1');
      const claim = groupNameClaimStreamId('t1', 'engineering');
      expect(groupIdOfStream(claim)).toBeNull();
      expect(streamOf(claim)).toEqual({ kind: 'group-name-claim', nameDigest: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(streamOf('group-g1')).toEqual({ kind: 'group', groupId: 'g1' });
    });
  });
});

describe('Group name claim (rule G1: one display name per tenant)', () => {
  const { given: givenClaim } = deciderSpec({ initialState: initialGroupNameClaim, evolve: evolveGroupNameClaim, decide: decideGroupNameClaim });
  const NOW = '2026-12-01T10:00:00.000Z';
  const claim = (groupId: string, holderHoldsIt = true, now = NOW) =>
    ({ type: 'ClaimGroupName', data: { tenantId: 't1', groupId, displayName: 'Engineering', now, holderHoldsIt } }) as const;
  const claimed = (groupId: string, replacedGroupId: string | null = null, claimedAt = NOW) =>
    ({ type: 'GroupNameClaimed', data: { tenantId: 't1', groupId, claimedAt, replacedGroupId } }) as const;
  const LATER = '2026-12-01T10:01:00.000Z';

  it('given a free name, when claimed, then GroupNameClaimed', () => {
    givenClaim()
      .when(claim('g1'))
      .then([claimed('g1')]);
  });

  it('given the name is its own, when claimed again, then nothing', () => {
    givenClaim(claimed('g1')).when(claim('g1')).then([]);
  });

  it('given another group holds the name, when claimed, then refused GroupNameTaken', () => {
    givenClaim(claimed('g1')).when(claim('g2')).thenRefused('GroupNameTaken');
  });

  it('given the holder no longer has the name and its lease is over, when claimed, then taken over', () => {
    givenClaim(claimed('g1'))
      .when(claim('g2', false, LATER))
      .then([claimed('g2', 'g1', LATER)]);
  });

  it('given a claim whose group does not hold the name yet (a create in flight, stream by stream), when claimed within its lease, then refused', () => {
    givenClaim(claimed('g1')).when(claim('g2', false)).thenRefused('GroupNameTaken');
  });

  it('given the holder released it, when claimed, then GroupNameClaimed', () => {
    givenClaim(claimed('g1'), { type: 'GroupNameReleased', data: { groupId: 'g1' } })
      .when(claim('g2'))
      .then([claimed('g2')]);
  });

  it('given another group holds it, when a non-holder releases it, then nothing', () => {
    givenClaim(claimed('g1'))
      .when({ type: 'ReleaseGroupName', data: { groupId: 'g2' } })
      .then([]);
  });

  it('is its own stream kind', () => {
    expect(groupNameClaimStream.name.category).toBe('groupname');
  });
});
