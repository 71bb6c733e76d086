import { decide, emailKey, evolve, foldUser, initialUserState, sanitiseUserName, UserCommand, UserProfile, UserState, WantedProfile } from './user.decider';
import { upcastUserEvent, UserEvent, UserPlacement } from './user.events';
import { userStream } from './user.stream';
import { deciderSpec } from '../testing/decider-spec';

const ada: UserProfile = {
  userName: 'ada@example.com',
  email: 'ada@example.com',
  displayName: 'Ada Lovelace',
  givenName: 'Ada',
  familyName: 'Lovelace',
  externalId: 'entra-object-1',
  userPrincipalName: null,
  attributes: {},
};
const placement: UserPlacement = {
  mappingId: 'eng',
  profileId: 'staff',
  storageId: 'eu',
  quota: { amount: 50, unit: 'GB' },
  sendActivationEmail: true,
};
const idpAttributes = { department: 'Engineering', city: 'Paris' };
const created: UserEvent = {
  type: 'UserCreated',
  data: { userId: 'u1', tenantId: 't1', ...ada, provisionedBy: 'idp', placement, idpAttributes, displayNameDerived: false },
};
const createdByAdmin: UserEvent = {
  type: 'UserCreated',
  data: { userId: 'u1', tenantId: 't1', ...ada, provisionedBy: 'admin', placement: null, idpAttributes: {}, displayNameDerived: false },
};
const deactivated: UserEvent = { type: 'UserPreserved', data: { by: 'idp', cause: 'deactivated' } };
const preservedByAdmin: UserEvent = { type: 'UserPreserved', data: { by: 'admin', cause: 'preserved_by_admin' } };
const deletedInIdp: UserEvent = { type: 'UserDeletedInIdp', data: {} };

/** given past events, when a command, then new events (or a refusal). */
const { given } = deciderSpec(userStream);
const deleteForGood: UserCommand = { type: 'DeleteUserPermanently', data: { reason: 'deleted_by_admin' } };
const update = (profile: Partial<WantedProfile>, active = true): UserCommand => ({
  type: 'UpdateUserFromIdp',
  data: { profile: { ...ada, ...profile }, active },
});

describe('User decider', () => {
  describe('CreateUser', () => {
    const create = (profile: Partial<WantedProfile> = {}, active = true): UserCommand => ({
      type: 'CreateUser',
      data: { userId: 'u1', tenantId: 't1', profile: { ...ada, ...profile }, active, placement, idpAttributes },
    });

    it('given no user, when created, then UserCreated', () => {
      given().when(create()).then([created]);
    });

    it('given no user, when created inactive, then it is created and preserved at once (rule L4)', () => {
      given().when(create({}, false)).then([created, deactivated]);
    });

    it('given a userName with ? * / \\ < >, when created, then each becomes _ in userName and email (rule L2)', () => {
      given()
        .when(create({ userName: 'a?b*c/d\\e<f>g@example.com', email: '' }))
        .then([
          {
            type: 'UserCreated',
            data: {
              ...created.data,
              userName: 'a_b_c_d_e_f_g@example.com',
              email: 'a_b_c_d_e_f_g@example.com',
            },
          },
        ]);
    });

    it("given no user, when the IdP creates one no mapping placed, then refused with rule M4's detail", () => {
      const unplaced: UserCommand = { type: 'CreateUser', data: { userId: 'u1', tenantId: 't1', profile: ada, active: true, placement: null, idpAttributes } };
      expect(() => decide(unplaced, initialUserState)).toThrow('None of the SCIM Mapping matched to create user.');
    });

    it('given no user, when created with a password among the attributes, then the password is not kept (rule L11)', () => {
      const withPassword: UserCommand = {
        type: 'CreateUser',
        data: { userId: 'u1', tenantId: 't1', profile: ada, active: true, placement, idpAttributes: { ...idpAttributes, Password: 'hunter2' } },
      };
      given().when(withPassword).then([created]);
    });

    it("given a user an administrator created, when the IdP creates the same address, then it is adopted with the mapping's place (rule L7)", () => {
      given(createdByAdmin)
        .when(create({ displayName: 'Ada from Entra' }))
        .then([
          { type: 'UserAdoptedByIdp', data: { placement, idpAttributes } },
          { type: 'UserRenamed', data: { displayName: 'Ada from Entra', givenName: 'Ada', familyName: 'Lovelace', displayNameDerived: false } },
        ]);
    });

    it('given an adopted user, when the IdP creates it again, then refused as a duplicate: adoption happens once', () => {
      given(createdByAdmin, { type: 'UserAdoptedByIdp', data: { placement, idpAttributes } }).when(create()).thenRefused('UserAlreadyExists');
    });

    it('given a user an administrator created and preserved, when the IdP creates it active, then refused (rule L6 holds on adoption)', () => {
      given(createdByAdmin, preservedByAdmin).when(create()).thenRefused('ReactivationForbidden');
    });

    it('given no user, when created without displayName and without a name, then refused as invalid (rule L1)', () => {
      given()
        .when(create({ displayName: '  ', givenName: null, familyName: null }))
        .thenRefused('InvalidUser');
    });

    it('given no user, when created without userName, then refused as invalid (rule L1)', () => {
      given()
        .when(create({ userName: '' }))
        .thenRefused('InvalidUser');
    });

    it('given a user deleted in the IdP, when the IdP creates the same user again, then it is reactivated with the new profile (rule L5)', () => {
      given(created, deactivated, deletedInIdp)
        .when(create({ displayName: 'Ada Returns' }))
        .then([
          { type: 'UserRenamed', data: { displayName: 'Ada Returns', givenName: 'Ada', familyName: 'Lovelace', displayNameDerived: false } },
          { type: 'UserReactivated', data: { by: 'idp' } },
        ]);
    });

    it('given a user deleted in the IdP, when created again inactive, then it comes back preserved', () => {
      given(created, deactivated, deletedInIdp)
        .when(create({}, false))
        .then([{ type: 'UserReactivated', data: { by: 'idp' } }, deactivated]);
    });

    it('given a user preserved by an administrator and deleted in the IdP, when created again, then refused (rule L6)', () => {
      given(created, preservedByAdmin, deletedInIdp).when(create()).thenRefused('ReactivationForbidden');
    });

    it('given an existing user, when created again, then refused', () => {
      given(created).when(create()).thenRefused('UserAlreadyExists');
    });

    // Killed mutants of `npm run test:mutation`: only a user the IdP deleted comes back on a POST.
    it('given a user the IdP deactivated but never deleted, when the IdP creates it again, then refused as a duplicate, not reactivated (rule L5)', () => {
      given(created, deactivated).when(create()).thenRefused('UserAlreadyExists');
    });

    it('given an address whose case-folded form outgrows the column (300 × İ), when created, then refused as invalid: the bound holds on the stored form (issue 15)', () => {
      given()
        .when(create({ userName: `${'İ'.repeat(300)}@example.com`, email: 'ada@example.com' }))
        .thenRefused('InvalidUser');
      given()
        .when(create({ email: `${'İ'.repeat(300)}@example.com` }))
        .thenRefused('InvalidUser');
    });

    it('given an address holding a zero-width space, when created, then refused as invalid: it would spell one mailbox twice (rule L8)', () => {
      given()
        .when(create({ userName: 'a\u200Bda@example.com', email: 'ada@example.com' }))
        .thenRefused('InvalidUser');
      given()
        .when(create({ email: 'a\u200Bda@example.com' }))
        .thenRefused('InvalidUser');
    });
    describe('without displayName (rule L1, revised: derived from name)', () => {
      const derived = (displayName: string, name: { givenName: string | null; familyName: string | null }): UserEvent => ({
        type: 'UserCreated',
        data: { ...created.data, displayName, ...name, displayNameDerived: true },
      });

      it('given no user, when created with givenName and familyName but no displayName, then the display name kept is "givenName familyName", trimmed', () => {
        given()
          .when(create({ displayName: '', givenName: ' Ada ', familyName: 'Lovelace ' }))
          .then([derived('Ada Lovelace', { givenName: ' Ada ', familyName: 'Lovelace ' })]);
      });

      it('given no user, when created with only one name part, then that part alone is the display name', () => {
        given()
          .when(create({ displayName: ' ', familyName: null }))
          .then([derived('Ada', { givenName: 'Ada', familyName: null })]);
      });

      it('given no user, when created with name.formatted only, then the formatted name is the display name, and nothing else of it is kept here', () => {
        given()
          .when(create({ displayName: '', givenName: null, familyName: null, formattedName: 'Ms. Ada King' }))
          .then([derived('Ms. Ada King', { givenName: null, familyName: null })]);
      });

      it('given no user, when created with name parts that each fit but whose derived display name does not, then refused, naming the display name as derived: the bound holds on the form stored', () => {
        given()
          .when(create({ displayName: '', givenName: 'a'.repeat(300), familyName: 'b'.repeat(300) }))
          .thenRefused('InvalidUser');
        expect(() => decide(create({ displayName: '', givenName: 'a'.repeat(300), familyName: 'b'.repeat(300) }), initialUserState)).toThrow(
          'displayName (derived from name, rule L1) is longer than 512 characters',
        );
      });

      it('given no user, when created with neither displayName nor a usable name, then refused as an invalid user saying it could not be derived', () => {
        given()
          .when(create({ displayName: '', givenName: ' ', familyName: null, formattedName: '' }))
          .thenRefused('InvalidUser');
      });
    });
  });

  describe('UpdateUserFromIdp', () => {
    it('given a user, when the same profile is sent, then nothing happens (idempotent PUT)', () => {
      given(created).when(update({})).then([]);
    });

    it('given a user, when the same profile is sent with attributes that are not kept, then UserAttributesIgnored naming them (rule A4); with a password alone, nothing (L11)', () => {
      const withIgnored = (names: string[]): UserCommand => {
        const same = update({}) as Extract<UserCommand, { type: 'UpdateUserFromIdp' }>;
        return { type: 'UpdateUserFromIdp', data: { ...same.data, ignoredAttributes: names } };
      };
      given(created)
        .when(withIgnored(['company', 'password']))
        .then([{ type: 'UserAttributesIgnored', data: { names: ['company'] } }]);
      given(created)
        .when(withIgnored(['password']))
        .then([]);
    });

    it('given a user, when the display name changes with an ignored attribute beside it, then only UserRenamed (the request metadata names the rest)', () => {
      const renamed = update({ displayName: 'Ada King' }) as Extract<UserCommand, { type: 'UpdateUserFromIdp' }>;
      given(created)
        .when({ ...renamed, data: { ...renamed.data, ignoredAttributes: ['company'] } })
        .then([{ type: 'UserRenamed', data: { displayName: 'Ada King', givenName: 'Ada', familyName: 'Lovelace', displayNameDerived: false } }]);
    });

    it('given a user, when the display name changes, then UserRenamed', () => {
      given(created)
        .when(update({ displayName: 'Ada King' }))
        .then([{ type: 'UserRenamed', data: { displayName: 'Ada King', givenName: 'Ada', familyName: 'Lovelace', displayNameDerived: false } }]);
    });

    it('given a user, when only the given name or only the family name changes, then UserRenamed (rule A1: names follow the IdP)', () => {
      given(created)
        .when(update({ givenName: 'Augusta' }))
        .then([{ type: 'UserRenamed', data: { displayName: 'Ada Lovelace', givenName: 'Augusta', familyName: 'Lovelace', displayNameDerived: false } }]);
      given(created)
        .when(update({ familyName: 'King' }))
        .then([{ type: 'UserRenamed', data: { displayName: 'Ada Lovelace', givenName: 'Ada', familyName: 'King', displayNameDerived: false } }]);
    });

    it('given a user, when only its email changes, then UserEmailChanged (rule A1: the email follows the IdP)', () => {
      given(created)
        .when(update({ email: 'lovelace@example.com' }))
        .then([{ type: 'UserEmailChanged', data: { userName: 'ada@example.com', email: 'lovelace@example.com' } }]);
    });

    it('given a user, when userName and email change domain, then UserEmailChanged on the same user (rule L3)', () => {
      given(created)
        .when(update({ userName: 'ada@new.example', email: 'ada@new.example' }))
        .then([{ type: 'UserEmailChanged', data: { userName: 'ada@new.example', email: 'ada@new.example' } }]);
    });

    it('given a user, when externalId and UPN change, then one event each', () => {
      given(created)
        .when(update({ externalId: 'x2', userPrincipalName: 'ada@corp.example' }))
        .then([
          { type: 'UserExternalIdChanged', data: { externalId: 'x2' } },
          { type: 'UserPrincipalNameChanged', data: { userPrincipalName: 'ada@corp.example' } },
        ]);
    });

    it('given an active user, when active=false, then UserPreserved by the IdP (rule L4)', () => {
      given(created).when(update({}, false)).then([deactivated]);
    });

    it('given a user preserved by the IdP, when active=false again, then nothing happens', () => {
      given(created, deactivated).when(update({}, false)).then([]);
    });

    it('given a user preserved by the IdP, when active=true, then UserReactivated (rule L5)', () => {
      given(created, deactivated)
        .when(update({}, true))
        .then([{ type: 'UserReactivated', data: { by: 'idp' } }]);
    });

    it('given a user preserved by an administrator, when the IdP sets active=true, then refused (rule L6)', () => {
      given(created, preservedByAdmin).when(update({}, true)).thenRefused('ReactivationForbidden');
    });

    it('given a user deleted in the IdP, when updated, then not found (rule L4 decision)', () => {
      given(created, deactivated, deletedInIdp)
        .when(update({ displayName: 'X' }))
        .thenRefused('UserNotFound');
    });

    it('given a user, when a PUT comes without displayName (as Okta sends it), then the display name is derived from the name sent', () => {
      given(created)
        .when(update({ displayName: '', givenName: 'Another' }))
        .then([{ type: 'UserRenamed', data: { displayName: 'Another Lovelace', givenName: 'Another', familyName: 'Lovelace', displayNameDerived: true } }]);
    });

    it('given a user whose display name is its name, when a PUT without displayName repeats the name, then nothing happens', () => {
      given(created)
        .when(update({ displayName: '' }))
        .then([]);
    });

    it('given a user, when an update without displayName brings only name.formatted, then that is the display name', () => {
      given(created)
        .when(update({ displayName: '', givenName: null, familyName: null, formattedName: 'Ada King' }))
        .then([{ type: 'UserRenamed', data: { displayName: 'Ada King', givenName: null, familyName: null, displayNameDerived: true } }]);
    });

    it('given a user, when an update leaves neither displayName nor a usable name, then refused as an invalid user, and nothing changes', () => {
      given(created)
        .when(update({ displayName: ' ', givenName: null, familyName: '' }))
        .thenRefused('InvalidUser');
    });

    it('given no user, when updated, then not found', () => {
      given().when(update({})).thenRefused('UserNotFound');
    });
  });

  describe('DeleteUserInIdp', () => {
    it('given an active user, when deleted in the IdP, then preserved and gone for the IdP, never destroyed (rule L4)', () => {
      given(created)
        .when({ type: 'DeleteUserInIdp' })
        .then([{ type: 'UserPreserved', data: { by: 'idp', cause: 'deleted_in_idp' } }, deletedInIdp]);
    });

    it('given a preserved user, when deleted in the IdP, then only UserDeletedInIdp', () => {
      given(created, deactivated).when({ type: 'DeleteUserInIdp' }).then([deletedInIdp]);
    });

    it('given a user already deleted in the IdP, when deleted again, then not found', () => {
      given(created, deactivated, deletedInIdp).when({ type: 'DeleteUserInIdp' }).thenRefused('UserNotFound');
    });
  });

  describe('administrator commands', () => {
    it('given no user, when an administrator creates one, then UserCreated made by hand, with no placement', () => {
      given()
        .when({ type: 'CreateUserByAdmin', data: { userId: 'u1', tenantId: 't1', profile: ada } })
        .then([createdByAdmin]);
    });

    it('given an active user, when an administrator preserves it, then UserPreserved by admin (rule L6)', () => {
      given(created).when({ type: 'PreserveUserByAdmin' }).then([preservedByAdmin]);
    });

    it('given a user the IdP preserved, when an administrator preserves it, then it becomes admin-preserved', () => {
      given(created, deactivated).when({ type: 'PreserveUserByAdmin' }).then([preservedByAdmin]);
    });

    it('given an admin-preserved user, when preserved again, then nothing happens', () => {
      given(created, preservedByAdmin).when({ type: 'PreserveUserByAdmin' }).then([]);
    });

    it('given an admin-preserved user, when an administrator reactivates it, then UserReactivated by admin', () => {
      given(created, preservedByAdmin)
        .when({ type: 'ReactivateUserByAdmin' })
        .then([{ type: 'UserReactivated', data: { by: 'admin' } }]);
    });

    it('given an active user, when deleted for good, then refused: only preserved users can be (rule L10)', () => {
      given(created).when(deleteForGood).thenRefused('UserNotPreserved');
    });

    it("given an active user, when its tenant's deletion deletes it for good, then it is: a tenant's deletion takes its active users too", () => {
      given(created)
        .when({ type: 'DeleteUserPermanently', data: { reason: 'tenant_deleted' } })
        .then([{ type: 'UserDeletedPermanently', data: { reason: 'tenant_deleted' } }]);
    });

    it('given a user, when an administrator creates the same user, then refused as a duplicate', () => {
      given(created)
        .when({ type: 'CreateUserByAdmin', data: { userId: 'u1', tenantId: 't1', profile: ada } })
        .thenRefused('UserAlreadyExists');
    });

    it('given an active user, when an administrator reactivates it, then nothing happens', () => {
      given(created).when({ type: 'ReactivateUserByAdmin' }).then([]);
    });

    it('given a user an administrator preserved and reactivated, when preserved by an administrator again, then it is preserved again (rule L6)', () => {
      given(created, preservedByAdmin, { type: 'UserReactivated', data: { by: 'admin' } })
        .when({ type: 'PreserveUserByAdmin' })
        .then([preservedByAdmin]);
    });

    it('given a preserved user on legal hold, when deleted for good, then refused (rule L10)', () => {
      given(created, deactivated, { type: 'UserPlacedOnLegalHold', data: {} }).when(deleteForGood).thenRefused('UserOnLegalHold');
    });

    it('given a user released from legal hold, when deleted for good, then it is', () => {
      given(created, deactivated, { type: 'UserPlacedOnLegalHold', data: {} }, { type: 'UserReleasedFromLegalHold', data: {} })
        .when({ type: 'DeleteUserPermanently', data: { reason: 'auto_delete_preserved' } })
        .then([{ type: 'UserDeletedPermanently', data: { reason: 'auto_delete_preserved' } }]);
    });

    it('given a user on legal hold, when placed on hold again, then nothing happens; when released twice, then one event', () => {
      const held: UserEvent = { type: 'UserPlacedOnLegalHold', data: {} };
      given(created, held).when({ type: 'PlaceUserOnLegalHold' }).then([]);
      given(created, held)
        .when({ type: 'ReleaseUserFromLegalHold' })
        .then([{ type: 'UserReleasedFromLegalHold', data: {} }]);
      given(created).when({ type: 'ReleaseUserFromLegalHold' }).then([]);
    });

    it('given a preserved user, when deleted for good, then UserDeletedPermanently, and nothing can follow', () => {
      given(created, deactivated)
        .when(deleteForGood)
        .then([{ type: 'UserDeletedPermanently', data: { reason: 'deleted_by_admin' } }]);
      const deleted: UserEvent = { type: 'UserDeletedPermanently', data: { reason: 'deleted_by_admin' } };
      given(created, deactivated, deleted).when({ type: 'ReactivateUserByAdmin' }).thenRefused('UserNotFound');
      given(created, deactivated, deleted).when(update({}, true)).thenRefused('UserNotFound');
    });
  });

  describe('evolve', () => {
    it('given events, when folded, then the state keeps the profile through preservation and deletion', () => {
      const state: UserState = foldUser([
        created,
        { type: 'UserRenamed', data: { displayName: 'Ada King', givenName: 'Ada', familyName: 'King' } },
        deactivated,
        deletedInIdp,
      ]);
      expect(state).toEqual({
        status: 'Preserved',
        userId: 'u1',
        tenantId: 't1',
        preservedBy: 'idp',
        deletedInIdp: true,
        provisionedBy: 'idp',
        placement,
        legalHold: false,
        // A rename written before the flag: whether its display name was derived is not known.
        displayNameDerived: null,
        profile: { ...ada, displayName: 'Ada King', familyName: 'King' },
      });
    });

    it('given a stored v1 UserCreated by a SCIM token, when upcast, then it is an IdP user with no placement', () => {
      const { provisionedBy: _p, placement: _pl, idpAttributes: _a, ...v1 } = created.data as Extract<UserEvent, { type: 'UserCreated' }>['data'];
      const upcast = upcastUserEvent({ type: 'UserCreated', data: v1, metadata: { schemaVersion: 1, actor: { kind: 'scim-token', id: 'tok' } } });
      expect(upcast).toEqual({ type: 'UserCreated', data: { ...v1, provisionedBy: 'idp', placement: null, idpAttributes: {} } });
    });

    it('given a stored v1 UserCreated by an admin credential, when upcast, then the user counts as made by hand (rule L7)', () => {
      const upcast = upcastUserEvent({
        type: 'UserCreated',
        data: { userId: 'u1' },
        metadata: { schemaVersion: 1, actor: { kind: 'admin-credential', id: 'c1' } },
      });
      expect(upcast.data).toMatchObject({ provisionedBy: 'admin', placement: null });
    });

    it('given a stored v1 UserCreated by the operator, or one stored before events carried a version, when upcast, then each reads as v1 did (`npm run test:mutation`)', () => {
      const byOperator = upcastUserEvent({
        type: 'UserCreated',
        data: { userId: 'u1' },
        metadata: { schemaVersion: 1, actor: { kind: 'operator', id: 'op' } },
      });
      const unversioned = upcastUserEvent({ type: 'UserCreated', data: { userId: 'u1' }, metadata: { actor: { kind: 'scim-token', id: 'tok' } } });
      expect([byOperator.data, unversioned.data]).toMatchObject([
        { provisionedBy: 'admin', placement: null },
        { provisionedBy: 'idp', placement: null, idpAttributes: {} },
      ]);
    });

    it('given a stored v1 UserDeletedPermanently, when upcast, then an administrator deleted it', () => {
      expect(upcastUserEvent({ type: 'UserDeletedPermanently', data: {}, metadata: { schemaVersion: 1 } })).toEqual({
        type: 'UserDeletedPermanently',
        data: { reason: 'deleted_by_admin' },
      });
    });

    it('given a current-version event, when upcast, then it is unchanged', () => {
      expect(upcastUserEvent({ ...created, metadata: { schemaVersion: 3 } })).toEqual(created);
    });

    it('given the initial state, when a non-creating event arrives, then the state stays initial', () => {
      expect(evolve(initialUserState, deactivated)).toEqual(initialUserState);
    });
  });
});

describe('the address key of a userName (rules L2, L8)', () => {
  it.each(['a<\u0338c@x.com', 'bob@bücher?.de', 'bob@bücher.de?', 'c？d@example.com', 'e/f@example.com'])(
    'given %s as sent, when keyed, then its key is the key of the sanitised userName the user stores (found by the third attack on issue 15)',
    (sent) => {
      expect(emailKey(sent)).toBe(emailKey(sanitiseUserName(sent)));
    },
  );
});
