import { NO_MAPPING_MATCHED, refuseUnmappableUser } from '../provisioning/placement';
import { missingAttributeOf, refuseIncompleteUser } from './required-attributes';

/** Rule L1's mandatory attributes, and what their absence means on a create (rule M4) and elsewhere: decided here only (issue 16, item 3). */
describe('the mandatory userName and display name (rules L1, M4)', () => {
  it.each([
    [{ userName: null, displayName: 'Ada' }, 'userName'],
    [{ userName: ' \t', displayName: 'Ada' }, 'userName'],
    [{ userName: 'ada@example.com', displayName: null }, 'displayName'],
    [{ userName: 'ada@example.com', displayName: '   ' }, 'displayName'],
    [{ userName: '', displayName: '' }, 'userName'],
    [{ userName: 'ada@example.com', displayName: 'Ada' }, null],
  ])('given %j, when checked, then the missing attribute is %s', (user, missing) => {
    expect(missingAttributeOf(user)).toBe(missing);
  });

  it('given a user without displayName, when it is an update or a manual create, then refused as InvalidUser saying what is required', () => {
    expect(() => refuseIncompleteUser({ userName: 'ada@example.com', displayName: ' ' })).toThrow(
      expect.objectContaining({ name: 'DomainRefused', reason: 'InvalidUser', message: 'displayName is required' }),
    );
    expect(() => refuseIncompleteUser({ userName: null, displayName: 'Ada' })).toThrow(
      expect.objectContaining({ reason: 'InvalidUser', message: 'userName is required' }),
    );
  });

  it("given a user without userName or displayName, when the IdP creates it, then refused as NoMappingMatched in the vendor's words", () => {
    for (const user of [
      { userName: null, displayName: 'Ada' },
      { userName: 'ada@example.com', displayName: '' },
    ]) {
      expect(() => refuseUnmappableUser(user)).toThrow(
        expect.objectContaining({ name: 'DomainRefused', reason: 'NoMappingMatched', message: NO_MAPPING_MATCHED }),
      );
    }
  });

  it('given a user with both, when checked either way, then nothing is refused', () => {
    expect(() => refuseIncompleteUser({ userName: 'ada@example.com', displayName: 'Ada' })).not.toThrow();
    expect(() => refuseUnmappableUser({ userName: 'ada@example.com', displayName: 'Ada' })).not.toThrow();
  });
});
