import fc from 'fast-check';
import { sizedTimeout } from './timeouts';

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

/** A property's time-out sized from its run count (sizedTimeout): a fixed start-up allowance, then a budget per case (a few times the measured cost). */
export function fuzzTimeout(runs: number, msPerCase: number): number {
  return sizedTimeout(runs, msPerCase);
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
  {
    weight: 5,
    arbitrary: fc.constantFrom(
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
    ),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z$][\w$-]{0,12}(\.[\w$-]{1,8})?$/) },
);

/**
 * Filters put their junk at one level per case (issue 17, item 3): a valid
 * filter; a valid structure with one hostile leaf (value, attribute or
 * operator); a broken structure of valid leaves; or plain hostile text. Junk
 * everywhere at once is refused at the first check and tests nothing deeper.
 */
export type FilterJunk = 'none' | 'leaf' | 'structure' | 'text';

export interface FilterCase {
  readonly text: string;
  readonly junk: FilterJunk;
  /** What the filter's structure holds; meaningful where junk is 'none' or 'leaf'. */
  readonly valuePath: boolean;
  readonly junction: boolean;
  readonly not: boolean;
  readonly leaves: number;
}

/**
 * Text the filters compare with and the generated rows hold, so comparisons
 * sometimes match; non-ASCII capitals among them, whose lower-casing the two
 * databases must agree on (simpleLowerCase).
 */
export const FILTER_TEXTS = [
  'ada',
  'Ada',
  'ADA@EXAMPLE.COM',
  'ada@example.com',
  'bob@example.com',
  'Bob',
  'example',
  '.com',
  '@',
  'e',
  'ext-1',
  'Lovelace',
  'work',
  'User',
  '',
  '%',
  '_',
  '\\',
  '"',
  'x y',
  '💥',
  'ß',
  'é',
  'É',
  'ÉMILE',
  'émile',
  'İ',
  'ΣΑΣ',
  'σας',
];
export const FILTER_DATES = ['2026-01-01T00:00:00.000Z', '2026-03-01T10:00:00.000Z', '2026-06-15T12:00:00.000Z'];

const STRING_ATTRIBUTES = [
  'userName',
  'USERNAME',
  'urn:ietf:params:scim:schemas:core:2.0:User:userName',
  'displayName',
  'name.givenName',
  'name.familyName',
  'emails',
  'emails.value',
  'externalId',
  'id',
  'urn:ietf:params:scim:schemas:extension:Druva:2.0:User:userPrincipalName',
  'title',
  'emails.type',
  'emails.display',
  'meta.resourceType',
  'name.formatted',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
  'manager',
  'phoneNumbers.value',
];
const BOOLEAN_ATTRIBUTES = ['active', 'emails.primary'];
const DATE_ATTRIBUTES = ['meta.created', 'meta.lastModified'];
const COMPLEX_ATTRIBUTES = [
  'name',
  'emails',
  'meta',
  'addresses',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:ietf:params:scim:schemas:extension:Druva:2.0:User',
];
/** Multi-valued attributes and their sub-attributes, for value paths `emails[type eq "work"]`. */
const VALUE_PATH_ATTRIBUTES: Record<string, { strings: string[]; booleans: string[] }> = {
  emails: { strings: ['value', 'type', 'display'], booleans: ['primary'] },
  phoneNumbers: { strings: ['value', 'type'], booleans: ['primary'] },
  groups: { strings: ['value', 'display'], booleans: [] },
};

const op = (...ops: string[]) =>
  fc.constantFrom(...ops).chain((o) => fc.oneof({ weight: 4, arbitrary: fc.constant(o) }, { weight: 1, arbitrary: fc.constant(o.toUpperCase()) }));
const stringOp = op('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le');
const quotedText = fc
  .oneof(
    { weight: 4, arbitrary: fc.constantFrom(...FILTER_TEXTS) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', 'B', 'e', '@', '.', ' ', 'x'), maxLength: 6 }) },
  )
  .map((s) => JSON.stringify(s));
const quotedDate = fc
  .oneof(
    fc.constantFrom(...FILTER_DATES, '2026-01-01', '2026-03-01T11:00:00+01:00', '2026-06-15T12:00:00', '2025-12-31T23:59:59.999Z'),
    fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  )
  .map((s) => JSON.stringify(s));
const booleanValue = fc.constantFrom('true', 'false', '"True"', '"False"');

function termsOver(strings: readonly string[], booleans: readonly string[], dates: readonly string[], complex: readonly string[]): fc.Arbitrary<string> {
  const terms: Array<fc.WeightedArbitrary<string>> = [
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...strings), stringOp, quotedText).map(([a, o, v]) => `${a} ${o} ${v}`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...strings, ...booleans, ...complex), op('pr')).map(([a, o]) => `${a} ${o}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...strings), op('eq', 'ne')).map(([a, o]) => `${a} ${o} null`) },
  ];
  if (booleans.length > 0)
    terms.push({ weight: 2, arbitrary: fc.tuple(fc.constantFrom(...booleans), op('eq', 'ne'), booleanValue).map(([a, o, v]) => `${a} ${o} ${v}`) });
  if (dates.length > 0)
    terms.push({
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom(...dates), op('eq', 'ne', 'gt', 'ge', 'lt', 'le'), quotedDate).map(([a, o, v]) => `${a} ${o} ${v}`),
    });
  return fc.oneof(...terms);
}

/** A filter as a tree whose leaves are rendered terms: one leaf can be swapped for a hostile one. */
type FilterTree =
  | { readonly kind: 'term'; readonly text: string }
  | { readonly kind: 'junction'; readonly op: string; readonly left: FilterTree; readonly right: FilterTree }
  | { readonly kind: 'not' | 'group'; readonly inner: FilterTree }
  | { readonly kind: 'valuePath'; readonly attribute: string; readonly inner: FilterTree };

function treeOf(leaf: fc.Arbitrary<string>, depth: number, valuePath: fc.Arbitrary<FilterTree> | null): fc.Arbitrary<FilterTree> {
  const term = leaf.map((text): FilterTree => ({ kind: 'term', text }));
  if (depth === 0) return term;
  const smaller = treeOf(leaf, depth - 1, valuePath);
  const branches: Array<fc.WeightedArbitrary<FilterTree>> = [
    { weight: 3, arbitrary: term },
    { weight: 4, arbitrary: fc.tuple(smaller, op('and', 'or'), smaller).map(([left, o, right]): FilterTree => ({ kind: 'junction', op: o, left, right })) },
    { weight: 1, arbitrary: smaller.map((inner): FilterTree => ({ kind: 'not', inner })) },
    { weight: 1, arbitrary: smaller.map((inner): FilterTree => ({ kind: 'group', inner })) },
  ];
  if (valuePath) branches.push({ weight: 2, arbitrary: valuePath });
  return fc.oneof(...branches);
}

const valuePathTree: fc.Arbitrary<FilterTree> = fc.constantFrom(...Object.keys(VALUE_PATH_ATTRIBUTES)).chain((attribute) => {
  const { strings, booleans } = VALUE_PATH_ATTRIBUTES[attribute];
  return treeOf(termsOver(strings, booleans, [], []), 1, null).map((inner): FilterTree => ({ kind: 'valuePath', attribute, inner }));
});
const validTree = treeOf(termsOver(STRING_ATTRIBUTES, BOOLEAN_ATTRIBUTES, DATE_ATTRIBUTES, COMPLEX_ATTRIBUTES), 3, valuePathTree);

function leavesOf(tree: FilterTree): number {
  if (tree.kind === 'term') return 1;
  if (tree.kind === 'junction') return leavesOf(tree.left) + leavesOf(tree.right);
  return leavesOf(tree.inner);
}

/** Renders the tree; the leaf numbered `swap.at` (in reading order) is replaced by `swap.text`. */
function render(tree: FilterTree, swap?: { at: number; text: string }): string {
  let next = 0;
  const go = (node: FilterTree): string => {
    switch (node.kind) {
      case 'term':
        return next++ === swap?.at ? swap.text : node.text;
      case 'junction':
        return `${go(node.left)} ${node.op} ${go(node.right)}`;
      case 'not':
        return `not (${go(node.inner)})`;
      case 'group':
        return `(${go(node.inner)})`;
      case 'valuePath':
        return `${node.attribute}[${go(node.inner)}]`;
    }
  };
  return go(tree);
}

function featuresOf(tree: FilterTree): Pick<FilterCase, 'valuePath' | 'junction' | 'not' | 'leaves'> {
  const has = (node: FilterTree, kind: FilterTree['kind']): boolean =>
    node.kind === kind || (node.kind === 'junction' ? has(node.left, kind) || has(node.right, kind) : node.kind !== 'term' && has(node.inner, kind));
  return { valuePath: has(tree, 'valuePath'), junction: has(tree, 'junction'), not: has(tree, 'not'), leaves: leavesOf(tree) };
}

/** A leaf with one hostile part: its value, its attribute, its operator, or a value of the wrong type. */
const hostileLeaf: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...STRING_ATTRIBUTES), stringOp, hostileString).map(([a, o, v]) => `${a} ${o} ${JSON.stringify(v)}`) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(
          attributeName,
          hostileString.map((s) => s.replace(/\s/g, '') || '$'),
          fc.constantFrom('password', 'meta.version', 'meta.location', 'emails.nope'),
        ),
        stringOp,
        quotedText,
      )
      .map(([a, o, v]) => `${a} ${o} ${v}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...STRING_ATTRIBUTES), fc.oneof(hostileString, fc.constantFrom('eqq', 'like', '=', '==', 'in', 'pr')), quotedText)
      .map(([a, o, v]) => `${a} ${o} ${v}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.tuple(fc.constantFrom(...BOOLEAN_ATTRIBUTES), stringOp, fc.constantFrom('"maybe"', '1', '0', 'null', '"yes"', '{}')),
        fc.tuple(
          fc.constantFrom(...DATE_ATTRIBUTES),
          stringOp,
          fc.constantFrom('"yesterday"', '"2026-02-30"', '"2026-13-01T00:00:00Z"', '20260101', 'true', '"+275760-09-13T00:00:00Z"'),
        ),
        fc.tuple(
          fc.constantFrom(...STRING_ATTRIBUTES),
          stringOp,
          fc.constantFrom('42', 'true', '-1.5e3', '[]', '"\\u0000"', '"\\ud800"', '"\\x41"', '"unterminated'),
        ),
      )
      .map(([a, o, v]) => `${a} ${o} ${v}`),
  },
);

const filterWithHostileLeaf: fc.Arbitrary<FilterCase> = validTree.chain((tree) =>
  fc.tuple(fc.nat(leavesOf(tree) - 1), hostileLeaf).map(([at, text]): FilterCase => ({ text: render(tree, { at, text }), junk: 'leaf', ...featuresOf(tree) })),
);

/** Valid leaves in a broken structure: unbalanced brackets, junctions without an operand, nesting and budgets exceeded. */
const STRUCTURE_TOKENS = ['(', ')', '[', ']', ' and ', ' or ', ' not ', 'not (', ' ', '].', '.', '"'];
const brokenStructure: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      validTree.map((tree) => render(tree)),
      fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.constantFrom(...STRUCTURE_TOKENS, '')), { minLength: 1, maxLength: 3 }),
    )
    .map(([text, edits]) =>
      edits.reduce((t, [at, remove, insert]) => {
        const i = at % (t.length + 1);
        return t.slice(0, i) + insert + t.slice(i + remove);
      }, text),
    ),
  fc
    .tuple(
      validTree.map((tree) => render(tree)),
      validTree.map((tree) => render(tree)),
      fc.constantFrom('and and', '', 'not', 'or (', ') or', '][', 'and not'),
    )
    .map(([a, b, glue]) => `${a} ${glue} ${b}`),
  validTree
    .map((tree) => render(tree))
    .chain((text) =>
      fc.constantFrom(
        `and ${text}`,
        `${text} or`,
        `not ${text}`,
        `(${text}`,
        `${text})`,
        `${'('.repeat(33)}${text}${')'.repeat(33)}`,
        `emails[emails[${text}]]`,
        `userName[${text}]`,
        `[${text}]`,
        `${text} [`,
      ),
    ),
  fc
    .tuple(fc.integer({ min: 11, max: 60 }), fc.constantFrom(' or ', ' and '))
    .map(([n, glue]) => Array.from({ length: n }, (_, i) => `displayName co "${i}"`).join(glue)),
);

const validFilter: fc.Arbitrary<FilterCase> = validTree.map((tree) => ({ text: render(tree), junk: 'none', ...featuresOf(tree) }));
const NO_FEATURES = { valuePath: false, junction: false, not: false, leaves: 0 };

/** RFC 7644 §3.4.2.2 filters with junk at one level per case, tagged with that level and what they hold. */
export const filterCase: fc.Arbitrary<FilterCase> = fc.oneof(
  { weight: 5, arbitrary: validFilter },
  { weight: 3, arbitrary: filterWithHostileLeaf },
  { weight: 2, arbitrary: brokenStructure.map((text): FilterCase => ({ text, junk: 'structure', ...NO_FEATURES })) },
  { weight: 1, arbitrary: hostileString.map((text): FilterCase => ({ text, junk: 'text', ...NO_FEATURES })) },
);

/**
 * Valid filters over what the read model stores only (no constant attributes such as title or emails.type,
 * no value paths over unstored attributes): most of them pick some users and not others, so two databases
 * answering them differently shows.
 */
const STORED_STRING_ATTRIBUTES = [
  'userName',
  'displayName',
  'name.givenName',
  'name.familyName',
  'emails',
  'emails.value',
  'externalId',
  'urn:ietf:params:scim:schemas:extension:Druva:2.0:User:userPrincipalName',
];
const storedValuePath = treeOf(termsOver(['value'], [], [], []), 1, null).map((inner): FilterTree => ({ kind: 'valuePath', attribute: 'emails', inner }));
export const storedColumnsFilter: fc.Arbitrary<FilterCase> = treeOf(
  termsOver(STORED_STRING_ATTRIBUTES, ['active'], DATE_ATTRIBUTES, ['name']),
  2,
  storedValuePath,
).map((tree) => ({ text: render(tree), junk: 'none', ...featuresOf(tree) }));

/** Well-formed filters only (no junk), for the database runs. */
export const scimFilter: fc.Arbitrary<string> = validFilter.map((c) => c.text);
export const anyFilterText: fc.Arbitrary<string> = filterCase.map((c) => c.text);

/** A JSON value for a PATCH value or a User attribute: anything JSON can carry, shallow enough to pass the nesting bound. */
export const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  hostileString,
  fc.constantFrom(true, false, null, 'True', 'False', 0, -1, 1e308, [], {}, [{ value: 'a@b.example', primary: true }], { givenName: 'G', familyName: 'F' }),
);

/**
 * PATCH bodies with junk at one level per case, as filters: a valid PatchOp
 * of operations that change what scim-ledger keeps; the same with one
 * operation's op, path or value hostile; or a broken envelope around valid
 * operations.
 */
export type PatchJunk = 'none' | 'operation' | 'structure';
export interface PatchCase {
  readonly body: unknown;
  readonly junk: PatchJunk;
}

const DRUVA_UPN = 'urn:ietf:params:scim:schemas:extension:Druva:2.0:User:userPrincipalName';
const patchText = fc.oneof(
  fc.constantFrom('Ada King', 'Augusta', 'Byron', 'x', 'émile 💥', "O'Brien", 'ext-2'),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== ''),
);
/** Addresses no fixture holds: a rename to one of them succeeds. */
export const freshAddress = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9]{2,10}$/), fc.constantFrom('example.com', 'fuzz.example'))
  .map(([local, domain]) => `${local}@${domain}`);
const opName = (...names: string[]) => fc.constantFrom(...names).chain((n) => fc.constantFrom(n, n[0].toUpperCase() + n.slice(1)));

const validOperation: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .tuple(opName('replace', 'add'), fc.constantFrom('displayName', 'name.givenName', 'name.familyName', 'externalId', DRUVA_UPN), patchText)
    .map(([o, path, value]) => ({ op: o, path, value })),
  fc
    .tuple(opName('replace', 'add'), fc.constantFrom('userName', 'emails[type eq "work"].value', 'emails[primary eq true].value'), freshAddress)
    .map(([o, path, value]) => ({ op: o, path, value })),
  fc.tuple(opName('replace'), fc.constantFrom(true, false, 'True', 'False')).map(([o, value]) => ({ op: o, path: 'active', value })),
  fc
    .tuple(opName('remove'), fc.constantFrom('name.givenName', 'name.familyName', 'externalId', DRUVA_UPN, 'displayName'))
    .map(([o, path]) => ({ op: o, path })),
  fc
    .tuple(
      opName('replace', 'add'),
      fc
        .record(
          { displayName: patchText, 'name.givenName': patchText, active: fc.constantFrom(true, false, 'False'), [DRUVA_UPN]: patchText },
          { requiredKeys: [] },
        )
        .filter((v) => Object.keys(v).length > 0),
    )
    .map(([o, value]) => ({ op: o, value })),
  fc.tuple(opName('replace'), fc.record({ givenName: patchText, familyName: patchText })).map(([o, value]) => ({ op: o, path: 'name', value })),
  fc.tuple(opName('replace'), freshAddress).map(([o, value]) => ({ op: o, path: 'emails', value: [{ value, type: 'work', primary: true }] })),
);

/**
 * A path with its junk at one level. A name no advertised schema defines is refused whole (issue 18, item 4),
 * so most paths name advertised attributes and put the junk in a filter value or the case of a name; junk names
 * are the fewer.
 */
const hostileValuePath = fc
  .tuple(
    fc.constantFrom('emails', 'phoneNumbers'),
    fc.constantFrom('value', 'type', 'display'),
    hostileString,
    fc.constantFrom('', '.value', '.type', '.primary'),
  )
  .map(([attribute, sub, junk, tail]) => `${attribute}[${sub} eq ${JSON.stringify(junk)}]${tail}`);
/** Writable paths /Schemas advertises that the valid operations do not aim at, many not stored, some in another case. */
const advertisedPath = fc.constantFrom(
  'title',
  'nickName',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'profileUrl',
  'password',
  'name',
  'name.formatted',
  'name.middleName',
  'Name.HonorificPrefix',
  'DISPLAYNAME',
  'emails',
  'emails[type eq "home"].value',
  'addresses[type eq "work"].locality',
  'addresses[type eq "work"].streetAddress',
  'phoneNumbers[type eq "mobile"].value',
  'manager',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
  'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER',
);
const hostilePath = fc.oneof(
  { weight: 3, arbitrary: advertisedPath },
  { weight: 3, arbitrary: hostileValuePath },
  { weight: 1, arbitrary: attributeName },
  { weight: 1, arbitrary: hostileString },
  fc.constantFrom(
    'id',
    'meta.created',
    'groups',
    'emails[type eq]',
    'emails[value eq "nobody@example.com"].value',
    'name.nope.deeper',
    'emails[].value',
    `emails[value eq "${'v'.repeat(1100)}"]`,
  ),
);
/** One part of an operation made hostile: its op, its path or its value; the rest stays valid. */
const hostileOperation: fc.Arbitrary<unknown> = fc.tuple(validOperation, fc.constantFrom('op', 'path', 'value', 'whole')).chain(([operation, part]) => {
  if (part === 'op') return fc.oneof(hostileString, jsonish, fc.constantFrom('delete', 'move', 'copy', 'test')).map((o) => ({ ...operation, op: o }));
  if (part === 'path') return fc.oneof({ weight: 3, arbitrary: hostilePath }, { weight: 1, arbitrary: jsonish }).map((path) => ({ ...operation, path }));
  if (part === 'value') return jsonish.map((value) => ({ ...operation, value }));
  return jsonish;
});

const validOperations = fc.array(validOperation, { minLength: 1, maxLength: 3 });
const validPatch: fc.Arbitrary<PatchCase> = validOperations.map((Operations) => ({
  body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations },
  junk: 'none',
}));
const patchWithHostileOperation: fc.Arbitrary<PatchCase> = fc.tuple(validOperations, hostileOperation, fc.nat()).map(([operations, hostile, at]) => {
  const Operations: unknown[] = [...operations];
  Operations.splice(at % (operations.length + 1), 0, hostile);
  return { body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations }, junk: 'operation' };
});
const patchWithBrokenStructure: fc.Arbitrary<PatchCase> = fc
  .tuple(validOperations, fc.constantFrom('schemas', 'Operations', 'operations', 'body', 'tooMany', 'empty'), jsonish)
  .map(([Operations, broken, junk]) => {
    const schemas = ['urn:ietf:params:scim:api:messages:2.0:PatchOp'];
    const body: Record<string, unknown> | unknown =
      broken === 'schemas'
        ? { schemas: junk, Operations }
        : broken === 'Operations'
          ? { schemas, Operations: junk }
          : broken === 'operations'
            ? { schemas, operations: Operations, Operations: junk }
            : broken === 'tooMany'
              ? { schemas, Operations: Array.from({ length: 101 }, (_, i) => Operations[i % Operations.length]) }
              : broken === 'empty'
                ? { schemas, Operations: [] }
                : junk;
    return { body, junk: 'structure' };
  });

/** A PatchOp body (RFC 7644 §3.5.2) with its junk, if any, at one level. */
export const patchCase: fc.Arbitrary<PatchCase> = fc.oneof(
  { weight: 5, arbitrary: validPatch },
  { weight: 3, arbitrary: patchWithHostileOperation },
  { weight: 2, arbitrary: patchWithBrokenStructure },
);
export const patchBody: fc.Arbitrary<unknown> = patchCase.map((c) => c.body);

/** A User body with its junk at one level: a valid one, one with one attribute replaced by anything, or any JSON. */
export function userBody(userName: string): fc.Arbitrary<unknown> {
  const valid = fc
    .record({
      displayName: patchText,
      givenName: fc.option(patchText),
      familyName: fc.option(patchText),
      externalId: fc.option(patchText),
      active: fc.constantFrom(true, false, 'True', 'False'),
      upn: fc.option(freshAddress),
    })
    .map(({ displayName, givenName, familyName, externalId, active, upn }) => ({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ...(upn ? ['urn:ietf:params:scim:schemas:extension:Druva:2.0:User'] : [])],
      userName,
      displayName,
      ...(externalId !== null ? { externalId } : {}),
      active,
      name: { ...(givenName !== null ? { givenName } : {}), ...(familyName !== null ? { familyName } : {}) },
      emails: [{ value: userName, type: 'work', primary: true }],
      ...(upn ? { 'urn:ietf:params:scim:schemas:extension:Druva:2.0:User': { userPrincipalName: upn } } : {}),
    }));
  const withOneHostileAttribute = fc.tuple(valid, attributeName, jsonish).map(([body, name, value]) => ({ ...body, [name]: value }));
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 3, arbitrary: withOneHostileAttribute }, { weight: 1, arbitrary: jsonish });
}
