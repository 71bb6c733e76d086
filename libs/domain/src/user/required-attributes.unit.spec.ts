import { NO_MAPPING_MATCHED, refuseUnmappableUser } from '../provisioning/placement';
import { derivedDisplayName, displayNameToKeep, missingAttributeOf, RequiredAttributes } from './required-attributes';

const noName = { givenName: null, familyName: null, formattedName: null };
const sent = (user: Partial<RequiredAttributes>): RequiredAttributes => ({ userName: 'ada@example.com', displayName: null, ...noName, ...user });

/** Rule L1's mandatory attributes, and what their absence means on a create (rule M4) and elsewhere: decided here only (issue 16, item 3; issue 18, item 3). */
describe('the mandatory userName and display name (rules L1, M4)', () => {
  it.each([
    [{ userName: null, displayName: 'Ada' }, 'userName'],
    [{ userName: ' \t', displayName: 'Ada' }, 'userName'],
    [{ userName: 'ada@example.com', displayName: null }, 'displayName'],
    [{ userName: 'ada@example.com', displayName: '   ' }, 'displayName'],
    [{ userName: '', displayName: '' }, 'userName'],
    [{ userName: 'ada@example.com', displayName: 'Ada' }, null],
    [{ userName: 'ada@example.com', displayName: null, givenName: 'Ada' }, null],
    [{ userName: 'ada@example.com', displayName: ' ', familyName: 'Lovelace' }, null],
    [{ userName: 'ada@example.com', displayName: null, formattedName: 'Ms. Ada Lovelace' }, null],
    [{ userName: 'ada@example.com', displayName: null, givenName: ' ', familyName: '\t', formattedName: '  ' }, 'displayName'],
    [{ userName: null, displayName: null, givenName: 'Ada' }, 'userName'],
  ])('given %j, when checked, then the missing attribute is %s', (user, missing) => {
    expect(missingAttributeOf(sent(user))).toBe(missing);
  });

  describe('a display name derived from name when none is sent (rule L1, revised)', () => {
    it.each([
      [{ givenName: 'Ada', familyName: 'Lovelace' }, 'Ada Lovelace'],
      [{ givenName: ' Ada ', familyName: '  Lovelace\t' }, 'Ada Lovelace'],
      [{ givenName: 'Ada', familyName: null }, 'Ada'],
      [{ givenName: null, familyName: 'Lovelace' }, 'Lovelace'],
      [{ givenName: '  ', familyName: 'Lovelace' }, 'Lovelace'],
      [{ givenName: 'Ada', familyName: 'Lovelace', formattedName: 'Ms. Augusta Ada King' }, 'Ada Lovelace'],
      [{ formattedName: ' Ms. Augusta Ada King ' }, 'Ms. Augusta Ada King'],
      [{ givenName: ' ', familyName: '', formattedName: 'Ada King' }, 'Ada King'],
      [{}, null],
      [{ givenName: ' ', familyName: ' ', formattedName: ' ' }, null],
    ])('given name %j, when a display name is derived, then it is %j', (name, displayName) => {
      expect(derivedDisplayName({ ...noName, ...name })).toBe(displayName);
    });

    it('given a displayName sent, when the display name to keep is read, then it is the one sent, as sent, whatever name holds', () => {
      expect(displayNameToKeep(sent({ displayName: ' The Countess ', givenName: 'Ada', familyName: 'Lovelace' }))).toBe(' The Countess ');
    });

    it('given no displayName but a name, when the display name to keep is read, then it is derived: givenName familyName, else formatted', () => {
      expect(displayNameToKeep(sent({ givenName: 'Ada', familyName: 'Lovelace' }))).toBe('Ada Lovelace');
      expect(displayNameToKeep(sent({ displayName: '  ', formattedName: 'Ada King' }))).toBe('Ada King');
    });
  });

  it('given a user without displayName or a name to derive it from, when it is an update or a manual create, then refused as InvalidUser saying so', () => {
    expect(() => displayNameToKeep(sent({ displayName: ' ' }))).toThrow(
      expect.objectContaining({
        name: 'DomainRefused',
        reason: 'InvalidUser',
        message: 'displayName is required, and name has no givenName, familyName or formatted to derive it from',
      }),
    );
    expect(() => displayNameToKeep(sent({ userName: null, displayName: 'Ada' }))).toThrow(
      expect.objectContaining({ reason: 'InvalidUser', message: 'userName is required' }),
    );
  });

  it("given a user without userName, when the IdP creates it, then refused as NoMappingMatched: the vendor's words, then what was missing", () => {
    expect(() => refuseUnmappableUser(sent({ userName: null, displayName: 'Ada' }))).toThrow(
      expect.objectContaining({ name: 'DomainRefused', reason: 'NoMappingMatched', message: `${NO_MAPPING_MATCHED} userName is required` }),
    );
  });

  it("given a user without displayName or a usable name, when the IdP creates it, then refused as NoMappingMatched: the vendor's words, then that it could not be derived", () => {
    for (const user of [sent({ displayName: '' }), sent({ givenName: ' ', familyName: null, formattedName: '' })]) {
      expect(() => refuseUnmappableUser(user)).toThrow(
        expect.objectContaining({
          reason: 'NoMappingMatched',
          message: `${NO_MAPPING_MATCHED} displayName is required, and name has no givenName, familyName or formatted to derive it from`,
        }),
      );
    }
  });

  it('given a user with userName and a displayName, or a name to derive one from, when checked either way, then nothing is refused', () => {
    for (const user of [sent({ displayName: 'Ada' }), sent({ givenName: 'Ada' }), sent({ formattedName: 'Ada Lovelace' })]) {
      expect(() => displayNameToKeep(user)).not.toThrow();
      expect(() => refuseUnmappableUser(user)).not.toThrow();
    }
  });
});
