import request from 'supertest';
import { addressClaimStreamId, emailKey, PROFILE_SEAT_LEASE_MS, profileSeatsStreamId } from '@scim-ledger/domain';
import { EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { StreamByStreamEventStore } from '../libs/event-store/src/stream-by-stream/stream-by-stream-event-store';
import { runCli } from './support/run-cli';
import { scimTenant } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, freshStorage, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TENANT_B_TOKEN, TestApp } from './support/test-app';
import { builtEntry } from './support/processes';
import { TIMEOUTS } from './support/timeouts';
import { TravellingClock } from './support/travelling-clock';

const OPERATOR = 'operator-token-0123456789abcdef';

// The CLI runs built (support/processes.ts, builtEntry): built here, under the build's time-out.
beforeAll(() => builtEntry('cli'), TIMEOUTS.build);

/**
 * Creates and renames where a create's claim, seat and user are appended one
 * stream at a time, as on EventStoreDB (StreamByStreamEventStore over the
 * real database): a create that fails after its claims must give them back
 * (rules L8, M5), or the address and the seat stay held for the claims'
 * lease by a user that never came.
 */
describe(`creates and renames appended stream by stream on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let second: TestApp;
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let store: StreamByStreamEventStore;
  let acmeToken: string;
  let acmeAdmin: { clientId: string; clientSecret: string };
  const clock = new TravellingClock();

  beforeAll(async () => {
    const storage = await freshStorage();
    env = storage.env;
    drop = storage.drop;
    const settings = { ...env, ADMIN_OPERATOR_TOKEN: OPERATOR, AUTO_DELETE_INTERVAL_MS: '0', REMINDER_INTERVAL_MS: '0' };
    t = await startTestApp(settings, clock, { streamByStream: true });
    store = t.streamByStream!;
    // A second api instance on the same database: within one instance a profile's seat claims take turns, so
    // only another instance races them. It lives as long as the suite: passport's strategies are process-wide,
    // and the later app's bearer strategy (with its read model connection) serves both.
    second = await startTestApp(settings, undefined, { streamByStream: true });
    // Profiles of one seat each, a mapping to each by title.
    const profileIds = ['race', 'solo', 'abandoned', 'left-by-deleted'];
    ({ token: acmeToken, admin: acmeAdmin } = await scimTenant(
      t,
      OPERATOR,
      { id: 'acme', name: 'Acme' },
      {
        storages: [{ id: 'eu', name: 'EU', region: 'eu-west-1' }],
        profiles: profileIds.map((profileId) => ({ id: profileId, name: profileId, maxUsers: 1, storageIds: ['eu'] })),
        mappings: profileIds.map((profileId) => ({
          id: profileId,
          name: profileId,
          attribute: 'title',
          values: profileId,
          profileId,
          storageId: 'eu',
          quota: { amount: 0, unit: 'GB' },
        })),
      },
    ));
  }, 60_000);
  afterEach(() => {
    store.clearFaults();
    clock.backToNow();
  });
  afterAll(async () => {
    await second?.close();
    await t?.close();
    await drop?.();
  });

  const scim = (token: string, app = () => t) => ({
    post: (body: object) => request(app().http).post('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON).send(body),
    get: (id: string) => request(app().http).get(`/scim/v2/Users/${id}`).set('Authorization', `Bearer ${token}`),
    rename: (id: string, userName: string) =>
      request(app().http)
        .patch(`/scim/v2/Users/${id}`)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', SCIM_JSON)
        .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'userName', value: userName }] }),
    found: async (userName: string) =>
      (
        await request(app().http)
          .get('/scim/v2/Users')
          .query({ filter: `userName eq "${userName}"` })
          .set('Authorization', `Bearer ${token}`)
      ).body.totalResults,
  });
  const eventTypes = async (streamId: string) => (await t.app.get<EventStore>(EVENT_STORE).readStream(streamId)).map((e) => e.type);
  const claimOf = (userName: string) => addressClaimStreamId(emailKey(userName));
  const failUserStreamOnce = () => store.failStream((streamId) => streamId.startsWith('user-'), 1);
  /** The support CLI's verify: events and read model agree, and every live address is held by its own claim. */
  const expectVerified = async () => {
    const verified = await runCli(env, 'verify');
    expect(verified.stdout).toContain('0 difference(s)');
    expect(verified.code).toBe(0);
  };

  it("given 30 parallel creates of one address across tenants A and B, then exactly one 201 and the claim is the winner's alone", async () => {
    const userName = 'race@both.test';

    const answers = await Promise.all([...Array(30).keys()].map((i) => scim(i % 2 === 0 ? TENANT_A_TOKEN : TENANT_B_TOKEN).post(entraUser(userName))));

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    expect((await scim(TENANT_A_TOKEN).found(userName)) + (await scim(TENANT_B_TOKEN).found(userName))).toBe(1);
    // The losers met the claim stream first: it holds the winner's claim and nothing else.
    expect(await eventTypes(claimOf(userName))).toEqual(['EmailReserved']);
  });

  it(
    'given a create held after its claim, when a create through the second api instance takes the last seat, then the first gets 403 and gives its address back (rules M5, L8)',
    async () => {
      const seats = profileSeatsStreamId('acme', 'race');
      const held = store.holdNext(({ write }) => write.streamId === seats);
      const slow = scim(acmeToken)
        .post(entraUser('slow@acme.test', { title: 'race' }))
        .then((answer) => answer);
      expect(await held.reached).toMatchObject({ index: 1, of: 3 });
      expect(await eventTypes(claimOf('slow@acme.test'))).toEqual(['EmailReserved']);

      const fast = await scim(acmeToken, () => second).post(entraUser('fast@acme.test', { title: 'race' }));
      held.release();

      expect(fast.status).toBe(201);
      expect((await slow).status).toBe(403);
      expect(await eventTypes(seats)).toEqual(['ProfileSeatTaken']);
      expect(await eventTypes(claimOf('slow@acme.test'))).toEqual(['EmailReserved', 'EmailReleased']);
      // Within the claim's lease: without the give-back tenant B would get 409.
      expect((await scim(TENANT_B_TOKEN).post(entraUser('slow@acme.test'))).status).toBe(201);
      await expectVerified();
    },
    TIMEOUTS.requests,
  );

  it(
    'given a create that fails at the user stream after its claim and seat were appended, then 503, both are given back and the retry gets 201 in the one-seat profile',
    async () => {
      const body = entraUser('solo@acme.test', { title: 'solo' });
      failUserStreamOnce();

      const failed = await scim(acmeToken).post(body);

      expect(failed.status).toBe(503);
      expect(store.failedWrites.at(-1)?.streamId).toMatch(/^user-/);
      expect(await eventTypes(claimOf('solo@acme.test'))).toEqual(['EmailReserved', 'EmailReleased']);
      expect(await eventTypes(profileSeatsStreamId('acme', 'solo'))).toEqual(['ProfileSeatTaken', 'ProfileSeatReleased']);
      expect(await scim(acmeToken).found('solo@acme.test')).toBe(0);

      // Within the claims' lease: without the give-back the address would answer 409 and the profile 403.
      const retried = await scim(acmeToken).post(body);

      expect(retried.status).toBe(201);
      expect(await scim(acmeToken).found('solo@acme.test')).toBe(1);
      expect((await scim(acmeToken).get(retried.body.id)).body.userName).toBe('solo@acme.test');
      await expectVerified();
    },
    TIMEOUTS.requests,
  );

  it(
    "given a create that fails at the user stream and whose seat give-back fails too, when the seat's lease passes, then the next create takes the seat over (rule M5)",
    async () => {
      const seats = profileSeatsStreamId('acme', 'abandoned');
      // The user never comes, and the seat's give-back (the seat stream's own single append) is lost as well.
      store.failWhen(({ write, of }) => write.streamId.startsWith('user-') || (write.streamId === seats && of === 1), 2);
      expect((await scim(acmeToken).post(entraUser('never-came@acme.test', { title: 'abandoned' }))).status).toBe(503);
      expect(store.failedWrites.slice(-2).map((write) => write.streamId)).toEqual([expect.stringMatching(/^user-/), seats]);
      expect(await eventTypes(seats)).toEqual(['ProfileSeatTaken']);
      store.clearFaults();

      // Within the lease the seat may still be the create's, slow rather than dead: the profile is full.
      const withinLease = await scim(acmeToken).post(entraUser('came@acme.test', { title: 'abandoned' }));
      expect(withinLease.status).toBe(403);
      expect(withinLease.body.detail).toContain('abandoned');

      clock.travel(PROFILE_SEAT_LEASE_MS + 1_000);
      const afterLease = await scim(acmeToken).post(entraUser('came@acme.test', { title: 'abandoned' }));

      expect(afterLease.status).toBe(201);
      // The seat of the user that never came is freed, then taken by the one that came.
      const seatEvents = await t.app.get<EventStore>(EVENT_STORE).readStream(seats);
      expect(seatEvents.map((e) => [e.type, (e.data as { userId: string }).userId])).toEqual([
        ['ProfileSeatTaken', seatEvents[0].data.userId],
        ['ProfileSeatReleased', seatEvents[0].data.userId],
        ['ProfileSeatTaken', afterLease.body.id],
      ]);
      expect(await scim(acmeToken).found('came@acme.test')).toBe(1);
      await expectVerified();
    },
    TIMEOUTS.requests,
  );

  it(
    'given a user deleted for good whose seat give-back failed, when the next create comes into its full profile, then it takes the seat over at once: a deleted holder is stale (rule M5)',
    async () => {
      const seats = profileSeatsStreamId('acme', 'left-by-deleted');
      const holder = await scim(acmeToken).post(entraUser('deleted-holder@acme.test', { title: 'left-by-deleted' }));
      expect(holder.status).toBe(201);
      const admin = (method: 'post' | 'delete', url: string) => request(t.http)[method](url).auth(acmeAdmin.clientId, acmeAdmin.clientSecret);
      expect((await admin('post', `/admin/v1/tenants/acme/users/${holder.body.id}/preserve`)).status).toBe(200);
      // The deletion is recorded, then its seat's give-back (the seat stream's own append) is lost, as by a process that died.
      store.failWhen(({ write }) => write.streamId === seats, 1);
      expect((await admin('delete', `/admin/v1/tenants/acme/users/${holder.body.id}`)).status).toBe(503);
      expect(await eventTypes(seats)).toEqual(['ProfileSeatTaken']);
      store.clearFaults();

      const next = await scim(acmeToken).post(entraUser('next-in-line@acme.test', { title: 'left-by-deleted' }));

      expect(next.status).toBe(201);
      expect(await eventTypes(seats)).toEqual(['ProfileSeatTaken', 'ProfileSeatReleased', 'ProfileSeatTaken']);
    },
    TIMEOUTS.requests,
  );

  it("given tenant A's create that fails at the user stream, when tenant B creates that address, then 201: the claim went back (rule L8)", async () => {
    failUserStreamOnce();
    expect((await scim(TENANT_A_TOKEN).post(entraUser('handed-over@x.test'))).status).toBe(503);

    const created = await scim(TENANT_B_TOKEN).post(entraUser('handed-over@x.test'));

    expect(created.status).toBe(201);
    expect([await scim(TENANT_A_TOKEN).found('handed-over@x.test'), await scim(TENANT_B_TOKEN).found('handed-over@x.test')]).toEqual([0, 1]);
    expect((await scim(TENANT_A_TOKEN).post(entraUser('handed-over@x.test'))).status).toBe(409);
  });

  it(
    'given renames, one failing at the user stream after the new address was claimed, then the failed one gives the address back and the user keeps its name (rules L3, L9)',
    async () => {
      const user = (await scim(TENANT_A_TOKEN).post(entraUser('first-name@x.test'))).body;
      expect((await scim(TENANT_A_TOKEN).rename(user.id, 'second-name@x.test')).status).toBe(200);
      failUserStreamOnce();

      expect((await scim(TENANT_A_TOKEN).rename(user.id, 'third-name@x.test')).status).toBe(503);

      expect((await scim(TENANT_A_TOKEN).get(user.id)).body.userName).toBe('second-name@x.test');
      expect(await scim(TENANT_A_TOKEN).found('second-name@x.test')).toBe(1);
      // The old address went back with the rename, the failed rename's new one by its give-back.
      expect((await scim(TENANT_B_TOKEN).post(entraUser('first-name@x.test'))).status).toBe(201);
      expect((await scim(TENANT_B_TOKEN).post(entraUser('third-name@x.test'))).status).toBe(201);
      expect((await scim(TENANT_B_TOKEN).post(entraUser('second-name@x.test'))).status).toBe(409);
      await expectVerified();
    },
    TIMEOUTS.requests,
  );
});
