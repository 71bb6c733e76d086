import { readScimUser, requiredAttributesAsSent } from './user-resource';

describe('reading a SCIM User body', () => {
  it.each([
    [
      { userName: 'ada@example.com', displayName: 'Ada' },
      { userName: 'ada@example.com', displayName: 'Ada' },
    ],
    [
      { USERNAME: 'ada@example.com', DisplayName: ' ' },
      { userName: 'ada@example.com', displayName: ' ' },
    ],
    [
      { userName: 42, displayName: { formatted: 'Ada' } },
      { userName: null, displayName: null },
    ],
    [{}, { userName: null, displayName: null }],
    [['ada@example.com'], { userName: null, displayName: null }],
    [null, { userName: null, displayName: null }],
  ])('given %j, when its mandatory attributes are read as sent, then %j: what is missing is left to the domain', (body, sent) => {
    expect(requiredAttributesAsSent(body)).toEqual(sent);
  });

  it('given a body without displayName, when read, then its displayName is empty: the domain refuses it (rule L1)', () => {
    expect(readScimUser({ userName: 'ada@example.com' }).profile.displayName).toBe('');
  });

  it('given a body with a blank userName, when read, then 400 invalidValue: a SCIM User has a userName (RFC 7643 §4.1.1)', () => {
    expect(() => readScimUser({ userName: '  ', displayName: 'Ada' })).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidValue', detail: 'userName is required' }),
    );
  });
});
