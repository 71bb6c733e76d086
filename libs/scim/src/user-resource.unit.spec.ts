import { readScimUser, requiredAttributesAsSent } from './user-resource';

const noName = { givenName: null, familyName: null, formattedName: null };

describe('reading a SCIM User body', () => {
  it.each([
    [
      { userName: 'ada@example.com', displayName: 'Ada' },
      { userName: 'ada@example.com', displayName: 'Ada', ...noName },
    ],
    [
      { USERNAME: 'ada@example.com', DisplayName: ' ' },
      { userName: 'ada@example.com', displayName: ' ', ...noName },
    ],
    [
      { userName: 42, displayName: { formatted: 'Ada' } },
      { userName: null, displayName: null, ...noName },
    ],
    [
      { userName: 'ada@example.com', Name: { GivenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' } },
      { userName: 'ada@example.com', displayName: null, givenName: 'Ada', familyName: 'Lovelace', formattedName: 'Ada Lovelace' },
    ],
    [
      { userName: 'ada@example.com', name: { givenName: 7, familyName: ['Lovelace'], formatted: null } },
      { userName: 'ada@example.com', displayName: null, ...noName },
    ],
    [
      { userName: 'ada@example.com', name: 'Ada Lovelace' },
      { userName: 'ada@example.com', displayName: null, ...noName },
    ],
    [{}, { userName: null, displayName: null, ...noName }],
    [['ada@example.com'], { userName: null, displayName: null, ...noName }],
    [null, { userName: null, displayName: null, ...noName }],
  ])(
    'given %j, when its mandatory attributes are read as sent, then %j: what is missing, and what a display name derives from, is left to the domain',
    (body, sent) => {
      expect(requiredAttributesAsSent(body)).toEqual(sent);
    },
  );

  it('given a body without displayName, when read, then its displayName is empty: the domain derives one from the name or refuses it (rule L1)', () => {
    expect(readScimUser({ userName: 'ada@example.com' }).profile.displayName).toBe('');
  });

  it('given a body with name.formatted, when read, then it comes along for the domain to derive a display name from', () => {
    expect(readScimUser({ userName: 'ada@example.com', name: { formatted: 'Ada King' } }).profile).toMatchObject({
      formattedName: 'Ada King',
      givenName: null,
    });
  });

  it('given a body with a blank userName, when read, then 400 invalidValue: a SCIM User has a userName (RFC 7643 §4.1.1)', () => {
    expect(() => readScimUser({ userName: '  ', displayName: 'Ada' })).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidValue', detail: 'userName is required' }),
    );
  });
});
