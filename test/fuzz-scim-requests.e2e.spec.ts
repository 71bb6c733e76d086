import fc from 'fast-check';
import { MAX_FILTER_LENGTH, MAX_PATCH_OPERATIONS, MAX_PATCH_PATH_LENGTH, PATCH_OP_SCHEMA, SCIM_ERROR_SCHEMA, ScimType } from '@scim-ledger/scim';
import { MAX_JSON_DEPTH } from '../apps/api/src/http/json-body';
import { FuzzShares } from './support/fuzz-shares';
import {
  anyFilterText,
  freshAddress,
  fuzzParameters,
  fuzzRuns,
  fuzzTimeout,
  hostileString,
  jsonish,
  patchBody,
  scimFilter,
  userBody,
} from './support/hostile-arbitraries';
import { E2E_DATABASE, entraUser, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';

const MAX_BODY_BYTES = 64 * 1024;
const RUNS = fuzzRuns(250);

/** RFC 7644 §3.12 (and RFC 9865 for cursors): which scimType each error status may carry. */
const SCIM_TYPES_BY_STATUS: Record<number, ReadonlyArray<ScimType | undefined>> = {
  400: ['invalidFilter', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'mutability', 'tooMany', 'invalidCursor', 'invalidVers', 'sensitive'],
  401: [undefined],
  403: [undefined],
  404: [undefined],
  409: ['uniqueness', undefined],
  412: [undefined],
  413: [undefined],
  414: [undefined],
  415: [undefined],
  501: [undefined],
};

interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

/** What may never be in an answer: a stack frame or a piece of SQL or of a driver's error. */
const INTERNALS =
  /\n\s+at |\.ts:\d+|\b(SELECT|INSERT INTO|UPDATE \w+ SET|QueryFailedError|SQLITE_\w+|syntax error at|duplicate key value|TypeError|ReferenceError)\b/;

/** Every error answer is a SCIM Error (RFC 7644 §3.12): the schema, the status as a string, a permitted scimType, a detail. */
function scimErrorProblems(answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.statusCode >= 500 && answer.statusCode !== 501) problems.push(`status ${answer.statusCode}`);
  if (INTERNALS.test(answer.body)) problems.push('internals in the answer');
  if (answer.statusCode < 400) return problems;
  let body: { schemas?: unknown; status?: unknown; scimType?: ScimType; detail?: unknown };
  try {
    body = JSON.parse(answer.body);
  } catch {
    return [...problems, 'error body is not JSON'];
  }
  if (!String(answer.headers['content-type']).startsWith('application/scim+json')) problems.push(`content-type ${answer.headers['content-type']}`);
  if (JSON.stringify(body.schemas) !== JSON.stringify([SCIM_ERROR_SCHEMA])) problems.push('schemas');
  if (body.status !== String(answer.statusCode)) problems.push(`status field ${JSON.stringify(body.status)}`);
  if (typeof body.detail !== 'string' || body.detail === '') problems.push('detail');
  if (!(SCIM_TYPES_BY_STATUS[answer.statusCode] ?? [undefined]).includes(body.scimType)) problems.push(`scimType ${body.scimType} on ${answer.statusCode}`);
  return problems;
}

type Request = { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; payload?: string; contentType?: string; ifMatch?: string };

/**
 * What one case sends (issue 17, item 3): one request with its junk at one level, or a few requests that
 * must end in a 409 or a 412: a second create of a held address, two creates of one address at once, a
 * rename onto a held address, a write with a stale If-Match, two PATCHes at once with the same If-Match.
 */
type Scenario =
  | { readonly kind: 'one request'; readonly request: Request }
  | { readonly kind: 'second create of an address'; readonly userName: string; readonly again: string }
  | { readonly kind: 'two creates of one address at once'; readonly userName: string; readonly again: string }
  | { readonly kind: 'rename onto a held address'; readonly userName: string; readonly method: 'PUT' | 'PATCH' }
  | { readonly kind: 'stale If-Match'; readonly displayNames: readonly [string, string]; readonly staleWrite: 'PUT' | 'PATCH' | 'DELETE' }
  | { readonly kind: 'PATCHes at once with one If-Match'; readonly displayNames: readonly [string, string] };

/** Where a generated request names the user any request may write to; the target takes only the conflict cases. */
const VICTIM = '/scim/v2/Users/{victim}';

const displayName = fc.stringMatching(/^[A-Z][a-z]{2,10}$/);
const distinctNames = fc
  .tuple(displayName, displayName)
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => [`${a} 1`, `${b} 2`] as const);
/** The same address as another client may send it: other case, surrounding blanks. */
const sameAddressAgain = (address: string) =>
  fc.constantFrom(
    address,
    address.toUpperCase(),
    ` ${address}`,
    address.replace(/^./, (c) => c.toUpperCase()),
  );

describe(`whole SCIM requests under generated input on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let victim: string;
  let target: string;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MAX: '0', MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
    const created = await send({ method: 'POST', url: '/scim/v2/Users', payload: JSON.stringify(entraUser('victim@example.com')) });
    victim = JSON.parse(created.body).id;
    target = JSON.parse((await send({ method: 'POST', url: '/scim/v2/Users', payload: JSON.stringify(entraUser('target@example.com')) })).body).id;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  async function send(request: Request): Promise<Answer> {
    const response = await t.app.inject({
      method: request.method,
      url: request.url,
      headers: {
        authorization: `Bearer ${TENANT_A_TOKEN}`,
        ...(request.payload !== undefined ? { 'content-type': request.contentType ?? 'application/scim+json' } : {}),
        ...(request.ifMatch !== undefined ? { 'if-match': request.ifMatch } : {}),
      },
      ...(request.payload !== undefined ? { payload: request.payload } : {}),
    });
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  }

  /** The stored state a refused request must leave alone: how many events, and the victim's and the target's ETags. */
  async function storedState(): Promise<string> {
    // A refusal is recorded for the admin (rule S2); it changes nothing else.
    const [events] = await t.readModel.query("SELECT COUNT(*) AS n FROM events WHERE type <> 'ProvisioningRefused'");
    const etags = await Promise.all([victim, target].map(async (id) => (await send({ method: 'GET', url: `/scim/v2/Users/${id}` })).headers.etag));
    return `${Number(events.n)} events, victim ${etags[0]}, target ${etags[1]}`;
  }

  /** Query parameters, all valid but at most one: junk at one level. */
  const validQuery = fc.record(
    {
      filter: scimFilter,
      startIndex: fc.integer({ min: 1, max: 5 }).map(String),
      count: fc.integer({ min: 0, max: 50 }).map(String),
      sortBy: fc.constantFrom('userName', 'meta.created', 'emails', 'displayName', 'name.familyName'),
      sortOrder: fc.constantFrom('ascending', 'descending'),
      attributes: fc.constantFrom('userName,emails', 'name.givenName', 'displayName'),
      excludedAttributes: fc.constantFrom('emails', 'name', 'meta'),
    },
    { requiredKeys: [] },
  );
  const query = fc.oneof(
    { weight: 2, arbitrary: validQuery },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          validQuery,
          fc.constantFrom('filter', 'startIndex', 'count', 'sortBy', 'sortOrder', 'attributes', 'excludedAttributes', 'cursor'),
          hostileString,
          anyFilterText,
        )
        .map(([q, key, junk, filter]) => ({ ...q, [key]: key === 'filter' ? filter : junk })),
    },
  );
  const hostileId = fc.oneof(
    fc.uuid(),
    hostileString.filter((s) => s.length > 0),
  );

  const oneRequest: fc.Arbitrary<Request> = fc.oneof(
    { weight: 2, arbitrary: freshAddress.chain(userBody).map((body): Request => ({ method: 'POST', url: '/scim/v2/Users', payload: JSON.stringify(body) })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('victim@example.com', 'victim2@example.com')
        .chain(userBody)
        .map((body): Request => ({ method: 'PUT', url: VICTIM, payload: JSON.stringify(body) })),
    },
    { weight: 3, arbitrary: patchBody.map((body): Request => ({ method: 'PATCH', url: VICTIM, payload: JSON.stringify(body) })) },
    { weight: 2, arbitrary: query.map((q): Request => ({ method: 'GET', url: `/scim/v2/Users?${new URLSearchParams(q as Record<string, string>)}` })) },
    {
      weight: 1,
      arbitrary: fc
        .oneof({ weight: 4, arbitrary: query }, { weight: 1, arbitrary: jsonish })
        .map((q): Request => ({ method: 'POST', url: '/scim/v2/Users/.search', payload: JSON.stringify(q) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(hostileId, fc.constantFrom('GET', 'DELETE', 'PATCH', 'PUT') as fc.Arbitrary<Request['method']>, patchBody)
        .map(([id, method, body]): Request => ({
          method,
          url: `/scim/v2/Users/${encodeURIComponent(id.replace(/[\ud800-\udfff]/g, '?'))}`,
          ...(method === 'PATCH' || method === 'PUT' ? { payload: JSON.stringify(body) } : {}),
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('POST', 'PATCH', 'PUT') as fc.Arbitrary<Request['method']>,
          hostileString,
          fc.constantFrom('application/scim+json', 'application/json', 'text/plain', 'application/xml', 'application/scim+json; charset=latin1', ''),
        )
        .map(([method, payload, contentType]): Request => ({ method, url: method === 'POST' ? '/scim/v2/Users' : VICTIM, payload, contentType })),
    },
  );

  const scenario: fc.Arbitrary<Scenario> = fc.oneof(
    { weight: 8, arbitrary: oneRequest.map((request): Scenario => ({ kind: 'one request', request })) },
    {
      weight: 1,
      arbitrary: freshAddress.chain((userName) =>
        sameAddressAgain(userName).map((again): Scenario => ({ kind: 'second create of an address', userName, again })),
      ),
    },
    {
      weight: 1,
      arbitrary: freshAddress.chain((userName) =>
        sameAddressAgain(userName).map((again): Scenario => ({ kind: 'two creates of one address at once', userName, again })),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(freshAddress, fc.constantFrom('PUT', 'PATCH') as fc.Arbitrary<'PUT' | 'PATCH'>)
        .map(([userName, method]): Scenario => ({ kind: 'rename onto a held address', userName, method })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(distinctNames, fc.constantFrom('PUT', 'PATCH', 'DELETE') as fc.Arbitrary<'PUT' | 'PATCH' | 'DELETE'>)
        .map(([displayNames, staleWrite]): Scenario => ({ kind: 'stale If-Match', displayNames, staleWrite })),
    },
    { weight: 1, arbitrary: distinctNames.map((displayNames): Scenario => ({ kind: 'PATCHes at once with one If-Match', displayNames })) },
  );

  const renameTo = (displayName: string) =>
    JSON.stringify({ schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'displayName', value: displayName }] });
  const createOf = (userName: string) => ({ method: 'POST', url: '/scim/v2/Users', payload: JSON.stringify(entraUser(userName)) }) as const;

  it(
    'given generated requests and conflicts, then no 5xx, every error a SCIM Error without internals, 409 and 412 where due, and no refused request changes what is stored',
    async () => {
      const shares = new FuzzShares(`fuzz-scim-requests (${E2E_DATABASE})`);
      const generated = new FuzzShares(`fuzz-scim-requests, generated requests only (${E2E_DATABASE})`);
      let state = await storedState();
      /** Sends one request and checks what every answer must be; a refused one must leave the stored state as it was. */
      async function checked(req: Request): Promise<Answer> {
        const answer = await send(req);
        const status = answer.statusCode;
        shares.count(status < 300 && '2xx', status === 409 && '409', status === 412 && '412', status >= 400 && status !== 409 && status !== 412 && 'other 4xx');
        expect([req.method, req.url.slice(0, 80), status, scimErrorProblems(answer)]).toEqual([req.method, req.url.slice(0, 80), status, []]);
        const after = await storedState();
        if (status >= 400) expect([req.method, req.url.slice(0, 80), status, after]).toEqual([req.method, req.url.slice(0, 80), status, state]);
        state = after;
        return answer;
      }
      const expectRefused = (answer: Answer, status: 409 | 412) => {
        expect([answer.statusCode, status === 409 ? JSON.parse(answer.body).scimType : 'no scimType']).toEqual([
          status,
          status === 409 ? 'uniqueness' : 'no scimType',
        ]);
      };
      const targetNow = async () => {
        const answer = await send({ method: 'GET', url: `/scim/v2/Users/${target}` });
        return { etag: String(answer.headers.etag), displayName: JSON.parse(answer.body).displayName as string };
      };

      await fc.assert(
        fc.asyncProperty(scenario, async (c) => {
          switch (c.kind) {
            case 'one request': {
              const before = state;
              const answer = await checked({ ...c.request, url: c.request.url.replace('{victim}', victim) });
              // The generated requests' own shares: the scripted conflicts below supply most 2xx, 409 and 412 answers,
              // so the overall shares alone could not see the generated PATCH bodies collapse into no-ops.
              const [applied, changed, patch] = [answer.statusCode < 300, state !== before, c.request.method === 'PATCH'];
              generated.count(
                applied && '2xx',
                changed && 'changed something',
                patch && applied && 'PATCH applied',
                patch && changed && 'PATCH changed something',
              );
              return;
            }
            case 'second create of an address':
              expect((await checked(createOf(c.userName))).statusCode).toBe(201);
              expectRefused(await checked(createOf(c.again)), 409);
              return;
            case 'two creates of one address at once': {
              const answers = await Promise.all([createOf(c.userName), createOf(c.again)].map(send));
              for (const answer of answers) {
                shares.count(answer.statusCode < 300 && '2xx', answer.statusCode === 409 && '409');
                expect(scimErrorProblems(answer)).toEqual([]);
              }
              // Rule L8: one address, one user; the loser is told why (perhaps with Retry-After while the claim is in flight).
              expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409]);
              expectRefused(
                answers.find((a) => a.statusCode === 409)!,
                409,
              );
              const found = await send({ method: 'GET', url: `/scim/v2/Users?${new URLSearchParams({ filter: `userName eq "${c.userName}"` })}` });
              expect(JSON.parse(found.body).totalResults).toBe(1);
              state = await storedState();
              return;
            }
            case 'rename onto a held address': {
              expect((await checked(createOf(c.userName))).statusCode).toBe(201);
              const rename: Request =
                c.method === 'PUT'
                  ? { method: 'PUT', url: `/scim/v2/Users/${target}`, payload: JSON.stringify(entraUser(c.userName.toUpperCase())) }
                  : {
                      method: 'PATCH',
                      url: `/scim/v2/Users/${target}`,
                      payload: JSON.stringify({ schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'userName', value: c.userName }] }),
                    };
              expectRefused(await checked(rename), 409);
              return;
            }
            case 'stale If-Match': {
              const { etag: stale } = await targetNow();
              expect(
                (await checked({ method: 'PATCH', url: `/scim/v2/Users/${target}`, payload: renameTo(c.displayNames[0]), ifMatch: stale })).statusCode,
              ).toBe(200);
              const payload =
                c.staleWrite === 'PATCH'
                  ? renameTo(c.displayNames[1])
                  : c.staleWrite === 'PUT'
                    ? JSON.stringify(entraUser('target@example.com', { displayName: c.displayNames[1] }))
                    : undefined;
              expectRefused(
                await checked({ method: c.staleWrite, url: `/scim/v2/Users/${target}`, ifMatch: stale, ...(payload !== undefined ? { payload } : {}) }),
                412,
              );
              expect((await targetNow()).displayName).toBe(c.displayNames[0]);
              return;
            }
            case 'PATCHes at once with one If-Match': {
              const { etag } = await targetNow();
              const answers = await Promise.all(
                c.displayNames.map((name) => send({ method: 'PATCH', url: `/scim/v2/Users/${target}`, payload: renameTo(name), ifMatch: etag })),
              );
              for (const answer of answers) {
                shares.count(answer.statusCode < 300 && '2xx', answer.statusCode === 412 && '412');
                expect(scimErrorProblems(answer)).toEqual([]);
              }
              // One wins, the other is refused and changes nothing: the target has the winner's name and ETag.
              expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 412]);
              const winner = answers.findIndex((a) => a.statusCode === 200);
              expect(await targetNow()).toEqual({ etag: answers[winner].headers.etag, displayName: c.displayNames[winner] });
              state = await storedState();
              return;
            }
          }
        }),
        fuzzParameters(RUNS),
      );
      expect(shares.report({ '2xx': 0.3, '409': 0.03, '412': 0.03 })).toEqual([]);
      expect(generated.report({ '2xx': 0.25, 'changed something': 0.2, 'PATCH applied': 0.09, 'PATCH changed something': 0.08 })).toEqual([]);
    },
    fuzzTimeout(RUNS, 200),
  );

  describe('bounds, each with a clear error and nothing stored', () => {
    const patch = (Operations: unknown[]) => JSON.stringify({ schemas: [PATCH_OP_SCHEMA], Operations });
    const nested = (depth: number) =>
      `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"deep@example.com","displayName":"Deep","x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    it.each<[string, Request, number, ScimType | undefined, RegExp]>([
      [
        'a body over MAX_BODY_BYTES',
        { method: 'POST', url: '/scim/v2/Users', payload: JSON.stringify(entraUser('big@example.com', { company: 'x'.repeat(MAX_BODY_BYTES) })) },
        413,
        undefined,
        /too large/,
      ],
      [
        `JSON nested ${MAX_JSON_DEPTH + 1} deep`,
        { method: 'POST', url: '/scim/v2/Users', payload: nested(MAX_JSON_DEPTH + 1) },
        400,
        'invalidSyntax',
        new RegExp(`${MAX_JSON_DEPTH} levels`),
      ],
      [
        'a userName of 513 characters',
        { method: 'POST', url: '/scim/v2/Users', payload: JSON.stringify(entraUser(`${'a'.repeat(501)}@example.com`)) },
        400,
        'invalidValue',
        /512/,
      ],
      [
        'a displayName of 513 characters by PATCH',
        { method: 'PATCH', url: '', payload: patch([{ op: 'replace', path: 'displayName', value: 'd'.repeat(513) }]) },
        400,
        'invalidValue',
        /512/,
      ],
      [
        `${MAX_PATCH_OPERATIONS + 1} PATCH operations`,
        { method: 'PATCH', url: '', payload: patch(Array(MAX_PATCH_OPERATIONS + 1).fill({ op: 'replace', path: 'displayName', value: 'x' })) },
        400,
        'tooMany',
        /at most 100/,
      ],
      [
        'a PATCH path over its bound',
        {
          method: 'PATCH',
          url: '',
          payload: patch([{ op: 'replace', path: `emails[value eq "${'v'.repeat(MAX_PATCH_PATH_LENGTH)}"].value`, value: 'x@example.com' }]),
        },
        400,
        'invalidPath',
        /1024/,
      ],
      [
        'a filter over its bound in the URL',
        { method: 'GET', url: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${'f'.repeat(MAX_FILTER_LENGTH)}"`)}` },
        400,
        'invalidFilter',
        /4096/,
      ],
      [
        'a filter over its bound in a search',
        { method: 'POST', url: '/scim/v2/Users/.search', payload: JSON.stringify({ filter: `userName eq "${'f'.repeat(MAX_FILTER_LENGTH)}"` }) },
        400,
        'invalidFilter',
        /4096/,
      ],
      [
        'a prototype-polluting PATCH path',
        { method: 'PATCH', url: '', payload: patch([{ op: 'add', path: '__proto__.polluted', value: true }]) },
        400,
        'invalidPath',
        /not an attribute/,
      ],
      [
        'a prototype-polluting key in a PATCH value',
        { method: 'PATCH', url: '', payload: patch([{ op: 'add', value: { 'constructor.prototype.polluted': true } }]) },
        400,
        'invalidPath',
        /not an attribute/,
      ],
      [
        'a NUL in a value',
        { method: 'PATCH', url: '', payload: patch([{ op: 'replace', path: 'displayName', value: 'a\u0000b' }]) },
        400,
        'invalidValue',
        /U\+0000/,
      ],
    ])('given %s, then a clear error and nothing stored changes', async (_, req, status, scimType, detail) => {
      const before = await storedState();
      const answer = await send({ ...req, url: req.url || `/scim/v2/Users/${victim}` });
      expect(scimErrorProblems(answer)).toEqual([]);
      expect({ status: answer.statusCode, ...JSON.parse(answer.body) }).toMatchObject({
        status: String(status),
        ...(scimType ? { scimType } : {}),
        detail: expect.stringMatching(detail),
      });
      expect(answer.statusCode).toBe(status);
      expect(await storedState()).toBe(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it(`given JSON nested ${MAX_JSON_DEPTH} deep, then it is parsed (the bound is not off by one)`, async () => {
      const answer = await send({ method: 'POST', url: '/scim/v2/Users', payload: nested(MAX_JSON_DEPTH) });
      expect([answer.statusCode, answer.body]).toEqual([201, expect.stringContaining('deep@example.com')]);
      // A create waits for the projector (read-your-writes): on a loaded machine that alone can take seconds.
    }, 20_000);
  });
});
