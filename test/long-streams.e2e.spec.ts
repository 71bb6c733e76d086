import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { userStreamId, UserEvent } from '@scim-ledger/domain';
import { EVENT_STORE, EventStore, ReadStreamOptions, RecordedEvent } from '@scim-ledger/event-store';
import { DecidedStreams } from '../apps/api/src/application/event-sourcing/decided-streams';
import { UserStreams } from '../apps/api/src/application/users/user-streams';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Revisions a user is given before the PATCH under test: issue 15 found 58 ms a PATCH at 5,000. */
const LONG = 2_000;

/**
 * Issue 15, finding 9: each write folded its whole stream. Every load now
 * reads only the events after the fold DecidedStreams kept, which also brings
 * in what another process appended; what it reads is counted through a
 * wrapper of the app's real event store.
 */
describe(`long streams on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let store: EventStore;
  let scim: {
    post: (body: object) => request.Test;
    patch: (userId: string, operations: object[]) => request.Test;
    get: (userId: string) => request.Test;
  };
  let admin: { clientId: string; clientSecret: string };
  /** Every event readStream returned since the last reset, by stream. */
  let read: RecordedEvent[] = [];

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR, RATE_LIMIT_MAX: '0' });
    store = t.app.get<EventStore>(EVENT_STORE);
    const real = store.readStream.bind(store);
    store.readStream = async (streamId: string, options?: ReadStreamOptions) => {
      const events = await real(streamId, options);
      read.push(...events);
      return events;
    };
    const tenant = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'long', name: 'Long streams' });
    admin = tenant.admin;
    const as = (method: 'post' | 'patch' | 'get', url: string) =>
      request(t.http)[method](url).set('Authorization', `Bearer ${tenant.token}`).set('Content-Type', SCIM_JSON);
    scim = {
      post: (body) => as('post', '/scim/v2/Users').send(body),
      patch: (userId, operations) => as('patch', `/scim/v2/Users/${userId}`).send({ schemas: [PATCH_OP], Operations: operations }),
      get: (userId) => as('get', `/scim/v2/Users/${userId}`),
    };
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const readOf = (streamId: string) => read.filter((e) => e.streamId === streamId).map((e) => e.revision);
  const rename = (displayName: string) => [{ op: 'Replace', path: 'displayName', value: displayName }];

  /** Renames appended straight to the store, past every cache of the api, as another api process would. */
  async function renamedElsewhere(userId: string, count: number, from: number): Promise<void> {
    const metadata = {
      tenantId: 'long',
      actor: { kind: 'system' as const, id: 'elsewhere' },
      requestId: randomUUID(),
      userAgent: 'elsewhere',
      clientAddress: null,
      now: new Date().toISOString(),
    };
    const streams = t.app.get(UserStreams);
    for (let i = 0, revision = from; i < count; i += 500) {
      const events: UserEvent[] = Array.from({ length: Math.min(500, count - i) }, (_, j) => ({
        type: 'UserRenamed',
        data: { displayName: `Elsewhere ${i + j}`, givenName: 'Given', familyName: 'Family' },
      }));
      revision = (await streams.append(userId, events, revision, metadata)).nextExpectedRevision;
    }
  }

  it(`given a user at revision ~${LONG} written by another process, when it is PATCHed twice, then the first reads only the events after the kept fold and the second only the first's own event`, async () => {
    const id = (await scim.post(entraUser('long@long.test', { displayName: 'Long 0' }))).body.id as string;
    expect((await scim.patch(id, rename('Long 1'))).status).toBe(200);
    await renamedElsewhere(id, LONG, 1);

    read = [];
    const first = await scim.patch(id, rename('Long after elsewhere'));
    const firstRead = readOf(userStreamId(id));
    read = [];
    const second = await scim.patch(id, rename('Long at the end'));
    const secondRead = readOf(userStreamId(id));

    expect(first.status).toBe(200);
    expect(first.body.meta.version).toBe(`W/"${LONG + 2}"`);
    // The fold was kept at revision 0, as the earlier PATCH loaded it: its own event and those appended elsewhere are all it reads.
    expect(firstRead).toEqual(Array.from({ length: LONG + 1 }, (_, i) => i + 1));
    expect(second.status).toBe(200);
    expect(second.body.meta.version).toBe(`W/"${LONG + 3}"`);
    expect(secondRead).toEqual([LONG + 2]);
    expect(read).toHaveLength(1);
    expect((await scim.get(id)).body).toMatchObject({ displayName: 'Long at the end', meta: { version: `W/"${LONG + 3}"` } });
  });

  it('given a user whose fold is kept with its clear name, when it is deleted for good, then no fold of it stays and a new load reads it deleted', async () => {
    const id = (await scim.post(entraUser('forgotten@long.test', { displayName: 'Ada Forgotten' }))).body.id as string;
    expect((await scim.patch(id, [{ op: 'Replace', path: 'active', value: 'False' }])).status).toBe(200);
    const streams = t.app.get(DecidedStreams);
    expect(JSON.stringify(streams.keptFold(userStreamId(id)))).toContain('Ada Forgotten');

    const deleted = await request(t.http).delete(`/admin/v1/tenants/long/users/${id}`).auth(admin.clientId, admin.clientSecret);

    expect(deleted.status).toBe(204);
    expect(streams.keptFold(userStreamId(id))).toBeUndefined();
    const loaded = await t.app.get(UserStreams).load(id);
    expect(loaded.state).toEqual({ status: 'Deleted', userId: id, tenantId: 'long' });
    expect(JSON.stringify(streams.keptFold(userStreamId(id)))).not.toMatch(/Ada|forgotten@/);
  });
});
