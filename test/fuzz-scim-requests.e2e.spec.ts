import fc from 'fast-check';
import { MAX_FILTER_LENGTH, MAX_PATCH_OPERATIONS, MAX_PATCH_PATH_LENGTH, PATCH_OP_SCHEMA, SCIM_ERROR_SCHEMA, ScimType } from '@scim-ledger/scim';
import { MAX_JSON_DEPTH } from '../apps/api/src/http/json-body';
import { anyFilterText, fuzzParameters, fuzzRuns, hostileString, jsonish, patchBody, userBody } from './support/hostile-arbitraries';
import { E2E_DATABASE, entraUser, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';

const MAX_BODY_BYTES = 64 * 1024;

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
const INTERNALS = /\n\s+at |\.ts:\d+|\b(SELECT|INSERT INTO|UPDATE \w+ SET|QueryFailedError|SQLITE_\w+|syntax error at|duplicate key value|TypeError|ReferenceError)\b/;

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

type Request = { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; payload?: string; contentType?: string };

describe(`whole SCIM requests under generated input on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let victim: string;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MAX: '0', MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
    const created = await send({ method: 'POST', url: '/scim/v2/Users', payload: JSON.stringify(entraUser('victim@example.com')) });
    victim = JSON.parse(created.body).id;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  async function send(request: Request): Promise<Answer> {
    const response = await t.app.inject({
      method: request.method,
      url: request.url,
      headers: { authorization: `Bearer ${TENANT_A_TOKEN}`, ...(request.payload !== undefined ? { 'content-type': request.contentType ?? 'application/scim+json' } : {}) },
      ...(request.payload !== undefined ? { payload: request.payload } : {}),
    });
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  }

  /** The stored state a refused request must leave alone: how many events, and the victim's ETag. */
  async function storedState(): Promise<string> {
    // A refusal is recorded for the admin (rule S2); it changes nothing else.
    const [events] = await t.readModel.query("SELECT COUNT(*) AS n FROM events WHERE type <> 'ProvisioningRefused'");
    const answer = await send({ method: 'GET', url: `/scim/v2/Users/${victim}` });
    return `${Number(events.n)} events, victim ${answer.statusCode} ${answer.headers.etag}`;
  }

  const query = fc
    .record(
      {
        filter: anyFilterText,
        startIndex: fc.oneof(fc.integer().map(String), hostileString),
        count: fc.oneof(fc.integer({ min: -5, max: 500 }).map(String), hostileString),
        sortBy: fc.oneof(fc.constantFrom('userName', 'meta.created', 'emails', 'title'), hostileString),
        sortOrder: fc.oneof(fc.constantFrom('ascending', 'descending'), hostileString),
        attributes: fc.oneof(fc.constantFrom('userName,emails', 'name.givenName'), hostileString),
        excludedAttributes: hostileString,
        cursor: fc.oneof(fc.constant(''), hostileString),
      },
      { requiredKeys: [] },
    );
  const hostileId = fc.oneof(fc.uuid(), hostileString.filter((s) => s.length > 0));

  const request: fc.Arbitrary<Request> = fc.oneof(
    fc.tuple(fc.emailAddress().chain(userBody), fc.boolean()).map(([body, replace]): Request => ({
      method: replace ? 'PUT' : 'POST',
      url: replace ? `/scim/v2/Users/${victim}` : '/scim/v2/Users',
      payload: JSON.stringify(body),
    })),
    patchBody.map((body): Request => ({ method: 'PATCH', url: `/scim/v2/Users/${victim}`, payload: JSON.stringify(body) })),
    query.map((q): Request => ({ method: 'GET', url: `/scim/v2/Users?${new URLSearchParams(q as Record<string, string>)}` })),
    fc.oneof(query, jsonish).map((q): Request => ({ method: 'POST', url: '/scim/v2/Users/.search', payload: JSON.stringify(q) })),
    fc.tuple(hostileId, fc.constantFrom('GET', 'DELETE', 'PATCH', 'PUT') as fc.Arbitrary<Request['method']>, patchBody).map(([id, method, body]): Request => ({
      method,
      url: `/scim/v2/Users/${encodeURIComponent(id.replace(/[\ud800-\udfff]/g, "?"))}`,
      ...(method === 'PATCH' || method === 'PUT' ? { payload: JSON.stringify(body) } : {}),
    })),
    fc.tuple(fc.constantFrom('POST', 'PATCH', 'PUT') as fc.Arbitrary<Request['method']>, hostileString, fc.constantFrom('application/scim+json', 'application/json', 'text/plain', 'application/xml', 'application/scim+json; charset=latin1', '')).map(
      ([method, payload, contentType]): Request => ({ method, url: method === 'POST' ? '/scim/v2/Users' : `/scim/v2/Users/${victim}`, payload, contentType }),
    ),
  );

  it('given generated requests, then no 5xx, every error a SCIM Error without internals, and no refused request changes what is stored', async () => {
    const statuses = new Map<number, number>();
    let state = await storedState();
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const answer = await send(req);
        statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
        expect([req.method, req.url.slice(0, 80), answer.statusCode, scimErrorProblems(answer)]).toEqual([req.method, req.url.slice(0, 80), answer.statusCode, []]);
        const after = await storedState();
        if (answer.statusCode >= 400) expect(after).toBe(state);
        state = after;
      }),
      fuzzParameters(fuzzRuns(150)),
    );
    if (process.env.FUZZ_REPORT) process.stdout.write(`request fuzz on ${E2E_DATABASE}: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
    // The generator reaches both sides: some requests succeed, many are refused.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
  }, 900_000);

  describe('bounds, each with a clear error and nothing stored', () => {
    const patch = (Operations: unknown[]) => JSON.stringify({ schemas: [PATCH_OP_SCHEMA], Operations });
    const nested = (depth: number) => `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"deep@example.com","displayName":"Deep","x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    it.each<[string, Request, number, ScimType | undefined, RegExp]>([
      ['a body over MAX_BODY_BYTES', { method: 'POST', url: '/scim/v2/Users', payload: JSON.stringify(entraUser('big@example.com', { company: 'x'.repeat(MAX_BODY_BYTES) })) }, 413, undefined, /too large/],
      [`JSON nested ${MAX_JSON_DEPTH + 1} deep`, { method: 'POST', url: '/scim/v2/Users', payload: nested(MAX_JSON_DEPTH + 1) }, 400, 'invalidSyntax', new RegExp(`${MAX_JSON_DEPTH} levels`)],
      ['a userName of 513 characters', { method: 'POST', url: '/scim/v2/Users', payload: JSON.stringify(entraUser(`${'a'.repeat(501)}@example.com`)) }, 400, 'invalidValue', /512/],
      ['a displayName of 513 characters by PATCH', { method: 'PATCH', url: '', payload: patch([{ op: 'replace', path: 'displayName', value: 'd'.repeat(513) }]) }, 400, 'invalidValue', /512/],
      [`${MAX_PATCH_OPERATIONS + 1} PATCH operations`, { method: 'PATCH', url: '', payload: patch(Array(MAX_PATCH_OPERATIONS + 1).fill({ op: 'replace', path: 'displayName', value: 'x' })) }, 400, 'tooMany', /at most 100/],
      ['a PATCH path over its bound', { method: 'PATCH', url: '', payload: patch([{ op: 'replace', path: `emails[value eq "${'v'.repeat(MAX_PATCH_PATH_LENGTH)}"].value`, value: 'x@example.com' }]) }, 400, 'invalidPath', /1024/],
      ['a filter over its bound in the URL', { method: 'GET', url: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${'f'.repeat(MAX_FILTER_LENGTH)}"`)}` }, 400, 'invalidFilter', /4096/],
      ['a filter over its bound in a search', { method: 'POST', url: '/scim/v2/Users/.search', payload: JSON.stringify({ filter: `userName eq "${'f'.repeat(MAX_FILTER_LENGTH)}"` }) }, 400, 'invalidFilter', /4096/],
      ['a prototype-polluting PATCH path', { method: 'PATCH', url: '', payload: patch([{ op: 'add', path: '__proto__.polluted', value: true }]) }, 400, 'invalidPath', /not an attribute/],
      ['a prototype-polluting key in a PATCH value', { method: 'PATCH', url: '', payload: patch([{ op: 'add', value: { 'constructor.prototype.polluted': true } }]) }, 400, 'invalidPath', /not an attribute/],
      ['a NUL in a value', { method: 'PATCH', url: '', payload: patch([{ op: 'replace', path: 'displayName', value: 'a\u0000b' }]) }, 400, 'invalidValue', /U\+0000/],
    ])('given %s, then a clear error and nothing stored changes', async (_, req, status, scimType, detail) => {
      const before = await storedState();
      const answer = await send({ ...req, url: req.url || `/scim/v2/Users/${victim}` });
      expect(scimErrorProblems(answer)).toEqual([]);
      expect({ status: answer.statusCode, ...JSON.parse(answer.body) }).toMatchObject({ status: String(status), ...(scimType ? { scimType } : {}), detail: expect.stringMatching(detail) });
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
