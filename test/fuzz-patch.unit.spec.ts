import fc from 'fast-check';
import { applyUserPatch, MAX_PATCH_OPERATIONS, MAX_PATCH_PATH_LENGTH, PATCH_OP_SCHEMA, readScimUser, ScimError, ScimType, toScimUser } from '@scim-ledger/scim';
import { FuzzShares } from './support/fuzz-shares';
import { fuzzParameters, fuzzRuns, fuzzTimeout, patchCase, userBody } from './support/hostile-arbitraries';

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
      userPrincipalName: 'ada@corp.example',
      attributes: {},
    },
    active: true,
    created: '2026-01-01T00:00:00.000Z',
    lastModified: '2026-01-01T00:00:00.000Z',
    revision: 3,
  },
  'http://localhost/scim/v2/Users/u1',
);

/** RFC 7644 §3.12: the scimTypes a 400 on PATCH or on a User body may carry. */
const BAD_REQUEST_TYPES: ScimType[] = ['invalidSyntax', 'invalidValue', 'invalidPath', 'noTarget', 'mutability', 'tooMany', 'invalidFilter'];

/** What scim-ledger keeps of a user (rule A1), to tell a PATCH that changed it from one that did not. */
const keptOf = (user: ReturnType<typeof readScimUser>) => ({ profile: user.profile, active: user.active });

/**
 * A user scim-ledger can keep: every attribute a string or null (rule A1). Their width is the decider's
 * check (user.decider.ts, counted as PostgreSQL counts, after case folding for addresses), pinned by the
 * e2e bounds in fuzz-scim-requests: a 513-character displayName passes here and is refused there.
 */
function expectStorableUser(result: ReturnType<typeof readScimUser>): void {
  expect(typeof result.active).toBe('boolean');
  const { attributes, ...named } = result.profile;
  for (const [key, value] of Object.entries(named)) {
    if (value === null) continue;
    expect([key, typeof value]).toEqual([key, 'string']);
  }
  // The other kept attributes (rule A1): JSON the read model stores as text, and no password (rule L11).
  expect(JSON.parse(JSON.stringify(attributes))).toEqual(attributes);
  expect(Object.keys(attributes).map((name) => name.toLowerCase())).not.toContain('password');
  expect(result.profile.userName.trim()).not.toBe('');
}

/** Prototype pollution would change every object of the process (CWE-1321). */
function expectPrototypesUntouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PRISTINE_OBJECT_PROTOTYPE);
  expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(PRISTINE_ARRAY_PROTOTYPE);
}
const PRISTINE_OBJECT_PROTOTYPE = Object.getOwnPropertyNames(Object.prototype).sort();
const PRISTINE_ARRAY_PROTOTYPE = Object.getOwnPropertyNames(Array.prototype).sort();

function acceptedOrScimError<T>(work: () => T): T | null {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof ScimError)) throw new Error(`not a ScimError: ${(error as Error)?.stack ?? String(error)}`);
    expect(error.status).toBe(400);
    expect(BAD_REQUEST_TYPES).toContain(error.scimType);
    expect(error.detail).not.toMatch(/\n\s+at /);
    return null;
  }
}

const RUNS = fuzzRuns(500);

describe('PATCH and User bodies under generated input', () => {
  it(
    'given any PATCH body, when applied to a user, then a user scim-ledger can keep, or a 400 with an RFC 7644 scimType; most cases apply and change the user',
    () => {
      const shares = new FuzzShares('fuzz-patch (PATCH bodies)');
      const before = JSON.stringify(keptOf(readScimUser(current)));
      fc.assert(
        fc.property(patchCase, ({ body, junk }) => {
          const result = acceptedOrScimError(() => applyUserPatch(current, body));
          expectPrototypesUntouched();
          const changed = result !== null && JSON.stringify(keptOf(result)) !== before;
          shares.count(
            result && 'applied',
            changed && 'changed the user',
            result && junk === 'operation' && 'applied with a hostile operation',
            `junk: ${junk}`,
          );
          if (!result) return;
          expectStorableUser(result);
        }),
        fuzzParameters(RUNS),
      );
      expect(shares.report({ applied: 0.4, 'changed the user': 0.35, 'applied with a hostile operation': 0.03 })).toEqual([]);
    },
    fuzzTimeout(RUNS, 20),
  );

  it(
    'given any User body, when read for a POST or PUT, then a user scim-ledger can keep, or a 400 with an RFC 7644 scimType; most cases are read',
    () => {
      const shares = new FuzzShares('fuzz-patch (User bodies)');
      fc.assert(
        fc.property(userBody('fuzz@example.com'), (body) => {
          const result = acceptedOrScimError(() => readScimUser(body));
          shares.count(result && 'read');
          if (!result) return;
          expectStorableUser(result);
        }),
        fuzzParameters(RUNS),
      );
      expect(shares.report({ read: 0.6 })).toEqual([]);
    },
    fuzzTimeout(RUNS, 20),
  );

  it('given a PATCH over the operation bound, then 400 tooMany; at the bound, it applies', () => {
    const op = { op: 'replace', path: 'displayName', value: 'X' };
    expect(() => applyUserPatch(current, { schemas: [PATCH_OP_SCHEMA], Operations: Array(MAX_PATCH_OPERATIONS + 1).fill(op) })).toThrow(
      expect.objectContaining({ status: 400, scimType: 'tooMany' }),
    );
    expect(applyUserPatch(current, { schemas: [PATCH_OP_SCHEMA], Operations: Array(MAX_PATCH_OPERATIONS).fill(op) }).profile.displayName).toBe('X');
  });

  it('given a PATCH path over the length bound, then 400 invalidPath naming the bound', () => {
    const path = `emails[value eq "${'a'.repeat(MAX_PATCH_PATH_LENGTH)}"].value`;
    expect(() => applyUserPatch(current, { Operations: [{ op: 'replace', path, value: 'x@example.com' }] })).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidPath', detail: expect.stringContaining(String(MAX_PATCH_PATH_LENGTH)) }),
    );
  });

  it.each([
    ['__proto__.polluted', 1],
    ['constructor.prototype.polluted', 1],
    ['name.__proto__', { polluted: 1 }],
    ['emails[value eq "x"].__proto__', { polluted: 1 }],
  ])('given the prototype-polluting path %s, then 400 invalidPath and Object.prototype untouched', (path, value) => {
    expect(() => applyUserPatch(current, { Operations: [{ op: 'add', path, value }] })).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidPath' }),
    );
    expect(() => applyUserPatch(current, { Operations: [{ op: 'add', value: { [path]: value } }] })).toThrow(expect.objectContaining({ status: 400 }));
    expectPrototypesUntouched();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('given a value with U+0000 or an unpaired surrogate, then 400 invalidValue, since no database could keep it', () => {
    for (const value of ['a\u0000b', 'x\ud800', '\udc00y']) {
      expect(() => applyUserPatch(current, { Operations: [{ op: 'replace', path: 'displayName', value }] })).toThrow(
        expect.objectContaining({ status: 400, scimType: 'invalidValue' }),
      );
    }
    expect(applyUserPatch(current, { Operations: [{ op: 'replace', path: 'displayName', value: 'emoji 💥 ok' }] }).profile.displayName).toBe('emoji 💥 ok');
  });
});
