import request from 'supertest';
import { userStreamId } from '@scim-ledger/domain';
import { EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const UPN = 'urn:ietf:params:scim:schemas:extension:Druva:2.0:User:userPrincipalName';

/**
 * Issue 8, item 2: one user patched by many requests at once. Without
 * If-Match a write that loses the append race re-decides on the fresh state
 * (README "Appends are conditional"), so nothing is lost; with If-Match the
 * losers get 412 and change nothing.
 */
describe(`parallel PATCHes of one user on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let store: EventStore;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MAX: '0' });
    store = t.app.get<EventStore>(EVENT_STORE);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const scim = {
    post: (url: string) => request(t.http).post(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`).set('Content-Type', SCIM_JSON),
    get: (url: string) => request(t.http).get(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`),
    patch: (url: string, ifMatch?: string) => {
      const call = request(t.http).patch(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`).set('Content-Type', SCIM_JSON);
      return ifMatch ? call.set('If-Match', ifMatch) : call;
    },
  };
  const replace = (path: string, value: unknown) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path, value }] });
  const createUser = async (userName: string) => (await scim.post('/scim/v2/Users').send(entraUser(userName))).body.id as string;
  const events = async (id: string) => store.readStream(userStreamId(id));

  it('given five PATCHes of five different attributes at once without If-Match, then every change is kept and each is one revision', async () => {
    const id = await createUser('five@example.com');
    const changes: Array<[string, string]> = [
      ['displayName', 'Five Changed'],
      ['name.givenName', 'Quintus'],
      ['name.familyName', 'Parallel'],
      ['externalId', 'ext-five-2'],
      [UPN, 'five@corp.example'],
    ];
    const answers = await Promise.all(changes.map(([path, value]) => scim.patch(`/scim/v2/Users/${id}`).send(replace(path, value))));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const user = (await scim.get(`/scim/v2/Users/${id}`)).body;
    expect(user).toMatchObject({
      displayName: 'Five Changed',
      name: { givenName: 'Quintus', familyName: 'Parallel' },
      externalId: 'ext-five-2',
      'urn:ietf:params:scim:schemas:extension:Druva:2.0:User': { userPrincipalName: 'five@corp.example' },
      meta: { version: 'W/"5"' },
    });
    expect(await events(id)).toHaveLength(6);
  });

  it('given 40 PATCHes at once without If-Match, then all 40 apply: 40 new revisions, each answer a different one, none lost', async () => {
    const id = await createUser('forty@example.com');
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => scim.patch(`/scim/v2/Users/${id}`).send(replace('displayName', `Writer ${i}`))));
    expect(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    const etags = answers.map((a) => a.headers.etag as string);
    expect(new Set(etags).size).toBe(40);
    expect([...etags].sort((a, b) => revisionOf(a) - revisionOf(b))).toEqual(Array.from({ length: 40 }, (_, i) => `W/"${i + 1}"`));
    const stream = await events(id);
    expect(stream).toHaveLength(41);
    // Every write's value is in the history, exactly once, and the last event is what the user shows.
    const written = stream.slice(1).map((e) => (e.data as { displayName?: string }).displayName);
    expect([...written].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `Writer ${i}`).sort());
    const user = (await scim.get(`/scim/v2/Users/${id}`)).body;
    expect(user.meta.version).toBe('W/"40"');
    expect(user.displayName).toBe(written[written.length - 1]);
  });

  it('given 10 PATCHes at once with the same current If-Match, then exactly one applies and the others get 412 and change nothing', async () => {
    const id = await createUser('race@example.com');
    const etag = (await scim.get(`/scim/v2/Users/${id}`)).headers.etag as string;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => scim.patch(`/scim/v2/Users/${id}`, etag).send(replace('displayName', `Racer ${i}`))),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412, 412, 412]);
    for (const refused of answers.filter((a) => a.status === 412)) {
      expect(refused.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '412' });
    }
    const winner = answers.findIndex((a) => a.status === 200);
    const user = (await scim.get(`/scim/v2/Users/${id}`)).body;
    expect(user).toMatchObject({ displayName: `Racer ${winner}`, meta: { version: 'W/"1"' } });
    expect(await events(id)).toHaveLength(2);
  });

  it('given a stale If-Match, when 10 PATCHes send it at once next to 10 without, then the 10 stale ones get 412 and the 10 others all apply', async () => {
    const id = await createUser('stale@example.com');
    const stale = (await scim.get(`/scim/v2/Users/${id}`)).headers.etag as string;
    expect((await scim.patch(`/scim/v2/Users/${id}`).send(replace('displayName', 'Moved On'))).status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? scim.patch(`/scim/v2/Users/${id}`, stale).send(replace('displayName', `Stale ${i}`))
          : scim.patch(`/scim/v2/Users/${id}`).send(replace('displayName', `Fresh ${i}`)),
      ),
    );
    expect(answers.filter((_, i) => i % 2 === 0).map((a) => a.status)).toEqual(Array(10).fill(412));
    expect(answers.filter((_, i) => i % 2 === 1).map((a) => a.status)).toEqual(Array(10).fill(200));
    const stream = await events(id);
    expect(stream).toHaveLength(12);
    const written = stream.map((e) => (e.data as { displayName?: string }).displayName).filter(Boolean);
    expect(written.some((name) => name?.startsWith('Stale'))).toBe(false);
    expect(written.filter((name) => name?.startsWith('Fresh'))).toHaveLength(10);
  });
});

const revisionOf = (etag: string) => Number(/\d+/.exec(etag)?.[0]);
