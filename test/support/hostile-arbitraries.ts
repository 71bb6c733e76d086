import fc from 'fast-check';

/**
 * How many cases each fuzz property runs: small by default so `npm test`
 * stays fast, large in `npm run reliability:full` (FUZZ_RUNS=…). A failing
 * case is shrunk and printed with its seed; FUZZ_SEED replays it.
 */
export function fuzzRuns(defaultRuns = 150): number {
  const runs = Number(process.env.FUZZ_RUNS ?? defaultRuns);
  return Number.isInteger(runs) && runs > 0 ? runs : defaultRuns;
}

export function fuzzParameters(numRuns = fuzzRuns()): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
  return { numRuns, ...(seed !== undefined ? { seed } : {}), endOnFailure: true };
}

/** Strings an attacker or a broken IdP sends: any unicode, control characters, quotes, escapes, SQL and JSON fragments. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '"',
    '\\',
    "'",
    "' OR '1'='1",
    '"; DROP TABLE events; --',
    '%',
    '_',
    '\u0000',
    '\ud800',
    '💥',
    'İ',
    '${jndi:ldap://x}',
    '__proto__',
    'constructor',
    'null',
    'true',
    'NaN',
    '1e999',
    '-0',
    '2026-02-30T00:00:00Z',
    '9999-12-31T23:59:59Z',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName',
    'x'.repeat(513),
  ),
);

const attributeName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(
    'userName',
    'USERNAME',
    'displayName',
    'name.givenName',
    'name.familyName',
    'name',
    'name.formatted',
    'emails',
    'emails.value',
    'emails.type',
    'emails.primary',
    'emails.display',
    'active',
    'id',
    'externalId',
    'meta.created',
    'meta.lastModified',
    'meta.resourceType',
    'meta.version',
    'meta.location',
    'password',
    'title',
    'groups',
    'groups.value',
    'phoneNumbers',
    'phoneNumbers.value',
    'addresses.country',
    'manager',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
    'urn:ietf:params:scim:schemas:extension:Druva:2.0:User:userPrincipalName',
    'urn:ietf:params:scim:schemas:extension:Druva:2.0:User',
    'value',
    'type',
    'primary',
    '__proto__',
    '__proto__.polluted',
    'constructor',
    'constructor.prototype',
    'prototype',
    'name.__proto__',
  ) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z$][\w$-]{0,12}(\.[\w$-]{1,8})?$/) },
);

const comparison = fc.mixedCase(fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'));

const compValue = fc.oneof(
  { weight: 4, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
  fc.constantFrom('true', 'false', 'null', 'True', '42', '-1.5e3', '"2026-01-02T03:04:05Z"', '"2026-01-02"', '"\\u0000"', '"\\\\"', '"\\"'),
  fc.integer().map(String),
);

/** RFC 7644 §3.4.2.2 filters, mostly well formed, over real and made-up attributes. */
export const scimFilter: fc.Arbitrary<string> = fc.letrec<{ filter: string }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(attributeName, comparison, compValue).map(([a, op, v]) => `${a} ${op} ${v}`),
    fc.tuple(attributeName, fc.mixedCase(fc.constant('pr'))).map(([a, pr]) => `${a} ${pr}`),
    fc.tuple(tie('filter'), fc.mixedCase(fc.constantFrom('and', 'or')), tie('filter')).map(([l, op, r]) => `${l} ${op} ${r}`),
    tie('filter').map((f) => `not (${f})`),
    tie('filter').map((f) => `(${f})`),
    fc.tuple(attributeName, tie('filter')).map(([a, f]) => `${a}[${f}]`),
    fc.tuple(attributeName, tie('filter'), attributeName).map(([a, f, sub]) => `${a}[${f}].${sub}`),
  ),
})).filter;

/** A filter with a few characters inserted, deleted or replaced: the near misses a parser must refuse cleanly. */
export const mangledFilter: fc.Arbitrary<string> = fc
  .tuple(scimFilter, fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom('(', ')', '[', ']', '"', '\\', ' ', '.', ':', 'and', 'not', 'pr', '', '\u0000')), { maxLength: 4 }))
  .map(([filter, edits]) =>
    edits.reduce((text, [at, remove, insert]) => {
      const i = text.length === 0 ? 0 : at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + remove);
    }, filter),
  );

export const anyFilterText: fc.Arbitrary<string> = fc.oneof(scimFilter, mangledFilter, hostileString);

/** A JSON value for a PATCH value or a User attribute: anything JSON can carry, shallow enough to pass the nesting bound. */
export const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  hostileString,
  fc.constantFrom(true, false, null, 'True', 'False', 0, -1, 1e308, [], {}, [{ value: 'a@b.example', primary: true }], { givenName: 'G', familyName: 'F' }),
);

const patchPath = fc.oneof(
  { weight: 6, arbitrary: attributeName },
  { weight: 1, arbitrary: fc.tuple(attributeName, scimFilter).map(([a, f]) => `${a}[${f}]`) },
  { weight: 1, arbitrary: fc.tuple(attributeName, scimFilter, attributeName).map(([a, f, sub]) => `${a}[${f}].${sub}`) },
  { weight: 1, arbitrary: mangledFilter },
  { weight: 1, arbitrary: hostileString },
);

/** One PATCH operation as IdPs send them and as they must not be sent. */
export const patchOperation: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        op: fc.oneof({ weight: 6, arbitrary: fc.mixedCase(fc.constantFrom('add', 'replace', 'remove')) }, { weight: 1, arbitrary: hostileString }),
        path: fc.oneof({ weight: 4, arbitrary: patchPath }, { weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: jsonish }),
        value: fc.oneof(jsonish, fc.dictionary(attributeName, jsonish, { maxKeys: 4 })),
      },
      { requiredKeys: ['op'] },
    ),
  },
  { weight: 1, arbitrary: jsonish },
);

/** A PatchOp body (RFC 7644 §3.5.2), often well formed, sometimes not. */
export const patchBody: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        schemas: fc.oneof({ weight: 6, arbitrary: fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']) }, { weight: 1, arbitrary: jsonish }),
        Operations: fc.oneof({ weight: 6, arbitrary: fc.array(patchOperation, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: jsonish }),
      },
      { requiredKeys: ['Operations'] },
    ),
  },
  { weight: 1, arbitrary: jsonish },
);

/** A User body: a valid one with one to three attributes replaced by anything. */
export function userBody(userName: string): fc.Arbitrary<unknown> {
  const valid = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    displayName: 'Fuzz Target',
    externalId: `ext-${userName}`,
    active: true,
    name: { givenName: 'Fuzz', familyName: 'Target' },
    emails: [{ value: userName, type: 'work', primary: true }],
  };
  return fc.oneof(
    fc.array(fc.tuple(attributeName, jsonish), { minLength: 1, maxLength: 3 }).map((changes) => {
      const body: Record<string, unknown> = { ...valid };
      for (const [name, value] of changes) body[name] = value;
      return body;
    }),
    jsonish,
  );
}
