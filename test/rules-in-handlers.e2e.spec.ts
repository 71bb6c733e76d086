import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { eventMetadata, USER_EVENT_SCHEMA_VERSIONS, userStreamId } from '@scim-ledger/domain';
import { EVENT_STORE, EventStore, EventStoreUnavailableError, ExpectedRevision } from '@scim-ledger/event-store';
import { until } from './support/processes';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';
import { TravellingClock } from './support/travelling-clock';

/**
 * Issue 17: the rules pinned in the handlers, not only in the deciders. Each
 * test fails when the handler's part of its rule is removed: the order of a
 * rename's claim, append and give-back (rule L9), the recording of refused
 * PUT, PATCH and DELETE requests (rules L6, S2), and a 409 told apart by its
 * reason (rule L8), not only by its status.
 */
const OPERATOR = 'operator-token-rules-0123456789';

describe(`the rules in the SCIM handlers on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let tenant: { admin: { clientId: string; clientSecret: string }; token: string };
  let other: { admin: { clientId: string; clientSecret: string }; token: string };
  // Moves only when a test says so (past a claim's lease).
  const clock = new TravellingClock();

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR }, clock);
    tenant = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'rules', name: 'Rules' });
    other = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'rules-other', name: 'Rules Other' });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const scim = (token: string, requestId = randomUUID()) => ({
    requestId,
    post: (url: string) => request(t.http).post(url).set('Authorization', `Bearer ${token}`).set('X-Request-Id', requestId).set('Content-Type', SCIM_JSON),
    put: (url: string) => request(t.http).put(url).set('Authorization', `Bearer ${token}`).set('X-Request-Id', requestId).set('Content-Type', SCIM_JSON),
    patch: (url: string) => request(t.http).patch(url).set('Authorization', `Bearer ${token}`).set('X-Request-Id', requestId).set('Content-Type', SCIM_JSON),
    delete: (url: string) => request(t.http).delete(url).set('Authorization', `Bearer ${token}`).set('X-Request-Id', requestId),
  });
  const create = async (userName: string) => {
    const created = await scim(tenant.token).post('/scim/v2/Users').send(entraUser(userName));
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  const rename = (userName: string) => ({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'userName', value: userName }],
  });
  const activate = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: true }] };

  /** The tenant's recorded refusal of one request (rule S2), waited for: the projector writes it after the answer. */
  const refusalOf = async (requestId: string) => {
    let entries: Array<{ requestId: string; userId: string | null; data: Record<string, unknown> }> = [];
    await until(
      async () => {
        const feed = await request(t.http)
          .get('/admin/v1/tenants/rules/audit?outcome=refused&count=200')
          .auth(tenant.admin.clientId, tenant.admin.clientSecret);
        entries = (feed.body.entries ?? feed.body.items ?? feed.body) as typeof entries;
        return Array.isArray(entries) && entries.some((entry) => entry.requestId === requestId);
      },
      TIMEOUTS.background,
      `the refusal of request ${requestId} in the audit trail`,
    );
    return entries.filter((entry) => entry.requestId === requestId);
  };

  describe('a rename in flight (rule L9)', () => {
    it(
      'given a rename whose user event is not yet appended, when a create takes the old address, then 409; the new one, 409 with Retry-After; once recorded, the retry of the old one gets 201',
      async () => {
        const userId = await create('before-rename@example.com');
        const store = t.app.get<EventStore>(EVENT_STORE);
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let held = 0;
        const holdsTheUser = (streamIds: readonly string[]) => streamIds.includes(userStreamId(userId));
        // The rename's own user event waits here: the moment between its claim of the new address and its record.
        const append = store.append.bind(store);
        const appendToStreams = store.appendToStreams.bind(store);
        const spies = [
          jest.spyOn(store, 'append').mockImplementation(async (streamId, events, expected) => {
            if (holdsTheUser([streamId])) {
              held++;
              await released;
            }
            return append(streamId, events, expected);
          }),
          jest.spyOn(store, 'appendToStreams').mockImplementation(async (writes) => {
            if (holdsTheUser(writes.map((write) => write.streamId))) {
              held++;
              await released;
            }
            return appendToStreams(writes);
          }),
        ];
        try {
          const renamed = scim(tenant.token)
            .patch(`/scim/v2/Users/${userId}`)
            .send(rename('after-rename@example.com'))
            .then((r) => r);
          await until(async () => held > 0, TIMEOUTS.background, 'the rename to reach its append');

          // The old address is still its owner's until the rename is recorded: a create taking it now would mix two users' data.
          for (const token of [other.token, tenant.token]) {
            const early = await scim(token).post('/scim/v2/Users').send(entraUser('before-rename@example.com'));
            expect({ status: early.status, scimType: early.body.scimType }).toEqual({ status: 409, scimType: 'uniqueness' });
          }
          // The new address is being claimed: the claim clears by itself, so the answer says when to retry.
          const racing = await scim(other.token).post('/scim/v2/Users').send(entraUser('after-rename@example.com'));
          expect({ status: racing.status, scimType: racing.body.scimType }).toEqual({ status: 409, scimType: 'uniqueness' });
          expect(Number(racing.headers['retry-after'])).toBeGreaterThanOrEqual(1);
          // Recorded as the address being claimed, not as taken: the admin reads that a retry will do (the second attack on issue 17).
          const sameTenant = scim(tenant.token);
          expect((await sameTenant.post('/scim/v2/Users').send(entraUser('after-rename@example.com'))).status).toBe(409);
          expect((await refusalOf(sameTenant.requestId)).map((entry) => entry.data.reason)).toEqual(['EmailBeingClaimed']);

          release();
          const answered = await renamed;
          expect({ status: answered.status, userName: answered.body.userName }).toEqual({ status: 200, userName: 'after-rename@example.com' });
        } finally {
          release();
          for (const spy of spies) spy.mockRestore();
        }
        const retried = await scim(other.token).post('/scim/v2/Users').send(entraUser('before-rename@example.com'));
        expect(retried.status).toBe(201);
        const taken = await scim(other.token).post('/scim/v2/Users').send(entraUser('after-rename@example.com'));
        expect({ status: taken.status, scimType: taken.body.scimType }).toEqual({ status: 409, scimType: 'uniqueness' });
      },
      TIMEOUTS.requests,
    );
  });

  describe('a rename that lost a race and then failed (rule L9)', () => {
    it(
      "given a rename whose first append lost to another instance's write and whose retry could not be recorded, when another tenant creates the new address, then 201: the claim the first attempt made was given back",
      async () => {
        const userId = await create('lost-race-before@example.com');
        const stream = userStreamId(userId);
        const store = t.app.get<EventStore>(EVENT_STORE);
        const append = store.append.bind(store);
        const appendToStreams = store.appendToStreams.bind(store);
        let appendsToTheUser = 0;
        // The first attempt's append: another instance's write lands just before it (one process takes turns on a
        // stream, so the race is planted), and it loses. The retry's append: the event store fails.
        const through = async <T>(expected: ExpectedRevision | undefined, go: () => Promise<T>): Promise<T> => {
          if (expected === undefined) return go();
          const call = ++appendsToTheUser;
          if (call === 1) {
            const hold = { type: 'UserPlacedOnLegalHold', data: {} };
            const metadata = eventMetadata(
              {
                tenantId: 'rules',
                actor: { kind: 'admin-credential', id: 'another-instance' },
                requestId: 'racing-write',
                userAgent: null,
                clientAddress: null,
                now: new Date().toISOString(),
              },
              USER_EVENT_SCHEMA_VERSIONS.UserPlacedOnLegalHold,
            );
            await append(stream, [{ id: randomUUID(), ...hold, metadata: { ...metadata } }], expected);
          }
          if (call === 2) throw new EventStoreUnavailableError('the event store went away (planted by the test)');
          return go();
        };
        const spies = [
          jest
            .spyOn(store, 'append')
            .mockImplementation((streamId, events, expected) => through(streamId === stream ? expected : undefined, () => append(streamId, events, expected))),
          jest
            .spyOn(store, 'appendToStreams')
            .mockImplementation((writes) => through(writes.find((write) => write.streamId === stream)?.expected, () => appendToStreams(writes))),
        ];
        let answered: request.Response;
        try {
          answered = await scim(tenant.token).patch(`/scim/v2/Users/${userId}`).send(rename('lost-race-after@example.com'));
        } finally {
          for (const spy of spies) spy.mockRestore();
        }

        expect({ status: answered.status, appendsToTheUser }).toEqual({ status: 503, appendsToTheUser: 2 });
        const created = await scim(other.token).post('/scim/v2/Users').send(entraUser('lost-race-after@example.com'));
        expect(created.status).toBe(201);
      },
      TIMEOUTS.requests,
    );
  });

  describe('refused PUT, PATCH and DELETE are recorded with their reason (rules L6, S2)', () => {
    let preservedId: string;

    beforeAll(async () => {
      preservedId = await create('admin-preserved@example.com');
      const preserved = await request(t.http)
        .post(`/admin/v1/tenants/rules/users/${preservedId}/preserve`)
        .auth(tenant.admin.clientId, tenant.admin.clientSecret);
      expect(preserved.body).toMatchObject({ status: 'Preserved', preservedBy: 'admin' });
    });

    it(
      'given an admin-preserved user, when the IdP reactivates it by PUT, then 400 mutability and the refusal recorded under the user with its reason (rule L6)',
      async () => {
        const put = scim(tenant.token);
        const refused = await put.put(`/scim/v2/Users/${preservedId}`).send(entraUser('admin-preserved@example.com', { active: true }));
        expect({ status: refused.status, scimType: refused.body.scimType }).toEqual({ status: 400, scimType: 'mutability' });
        expect(
          (await refusalOf(put.requestId)).map((entry) => ({
            userId: entry.userId,
            operation: entry.data.operation,
            reason: entry.data.reason,
            status: entry.data.status,
          })),
        ).toEqual([{ userId: preservedId, operation: 'replace', reason: 'ReactivationForbidden', status: 400 }]);
      },
      TIMEOUTS.requests,
    );

    it(
      'given an admin-preserved user, when the IdP reactivates it by PATCH, then 400 mutability and the refusal recorded under the user with its reason (rule L6)',
      async () => {
        const patch = scim(tenant.token);
        const refused = await patch.patch(`/scim/v2/Users/${preservedId}`).send(activate);
        expect({ status: refused.status, scimType: refused.body.scimType }).toEqual({ status: 400, scimType: 'mutability' });
        expect(
          (await refusalOf(patch.requestId)).map((entry) => ({
            userId: entry.userId,
            operation: entry.data.operation,
            reason: entry.data.reason,
            status: entry.data.status,
          })),
        ).toEqual([{ userId: preservedId, operation: 'patch', reason: 'ReactivationForbidden', status: 400 }]);
      },
      TIMEOUTS.requests,
    );

    it(
      'given a stale If-Match, when the IdP deletes the user, then 412 and the refusal recorded under the user with its reason (rule S2)',
      async () => {
        const userId = await create('stale-delete@example.com');
        const deletion = scim(tenant.token);
        const refused = await deletion.delete(`/scim/v2/Users/${userId}`).set('If-Match', 'W/"999"');
        expect(refused.status).toBe(412);
        expect(
          (await refusalOf(deletion.requestId)).map((entry) => ({
            userId: entry.userId,
            operation: entry.data.operation,
            reason: entry.data.reason,
            status: entry.data.status,
            detail: entry.data.detail,
          })),
          // A stale version is no domain refusal: its reason is the status, and the detail says what was stale.
        ).toEqual([{ userId, operation: 'delete', reason: 'http412', status: 412, detail: 'the user changed since the version in If-Match' }]);
        expect((await scim(tenant.token).post('/scim/v2/Users').send(entraUser('stale-delete@example.com'))).status).toBe(409);
      },
      TIMEOUTS.requests,
    );

    it(
      'given a user the IdP already deleted, when it deletes it again, then 404 and the refusal recorded with its reason (rule S2)',
      async () => {
        const userId = await create('deleted-twice@example.com');
        expect((await scim(tenant.token).delete(`/scim/v2/Users/${userId}`)).status).toBe(204);
        const again = scim(tenant.token);
        const refused = await again.delete(`/scim/v2/Users/${userId}`);
        expect(refused.status).toBe(404);
        expect(
          (await refusalOf(again.requestId)).map((entry) => ({ operation: entry.data.operation, reason: entry.data.reason, status: entry.data.status })),
        ).toEqual([{ operation: 'delete', reason: 'UserNotFound', status: 404 }]);
      },
      TIMEOUTS.requests,
    );
  });

  describe('a 409 told by its reason (rule L8)', () => {
    it(
      'given an address of another tenant, when created, then 409 uniqueness recorded as the address being taken, not as a user of this tenant',
      async () => {
        const first = scim(other.token);
        expect((await first.post('/scim/v2/Users').send(entraUser('cross-tenant@example.com'))).status).toBe(201);
        const attempt = scim(tenant.token);
        const refused = await attempt.post('/scim/v2/Users').send(entraUser('Cross-Tenant@Example.com'));
        expect({ status: refused.status, scimType: refused.body.scimType }).toEqual({ status: 409, scimType: 'uniqueness' });
        const [recorded] = await refusalOf(attempt.requestId);
        expect({ operation: recorded.data.operation, reason: recorded.data.reason }).toEqual({ operation: 'create', reason: 'EmailTaken' });
      },
      TIMEOUTS.requests,
    );

    it(
      'given a SCIM-managed user of the same tenant, when its address is created again, then 409 recorded as the user already existing',
      async () => {
        await create('same-tenant@example.com');
        const attempt = scim(tenant.token);
        const refused = await attempt.post('/scim/v2/Users').send(entraUser('same-tenant@example.com'));
        expect(refused.status).toBe(409);
        const [recorded] = await refusalOf(attempt.requestId);
        expect({ operation: recorded.data.operation, reason: recorded.data.reason }).toEqual({ operation: 'create', reason: 'UserAlreadyExists' });
      },
      TIMEOUTS.requests,
    );

    it(
      "given an address another tenant's IdP user holds, when an administrator creates a user with it by hand after the claim's lease has passed, then 409 EmailTaken, not a second holder (rule L8 on the admin's side)",
      async () => {
        expect((await scim(other.token).post('/scim/v2/Users').send(entraUser('held-for-admin@example.com'))).status).toBe(201);
        // Past the claim's lease: only the holder's own state still says the address is taken.
        clock.travel(10 * 60_000);

        const byHand = await request(t.http)
          .post('/admin/v1/tenants/rules/users')
          .auth(tenant.admin.clientId, tenant.admin.clientSecret)
          .send({ userName: 'Held-For-Admin@Example.com', displayName: 'Second Holder' });

        expect([byHand.status, byHand.body.title]).toEqual([409, 'EmailTaken']);
      },
      TIMEOUTS.requests,
    );

    // Rule S2 names conflicts among what the admin sees: a rename's 409 left no trace with its record skipped (the attack on issue 17).
    it.each([
      ['PATCH', 'patch'],
      ['PUT', 'replace'],
    ])(
      "given an address another tenant's user holds, when a user is renamed onto it by %s, then 409 uniqueness recorded under the user as the address being taken",
      async (method, operation) => {
        const holder = scim(other.token);
        const taken = `rename-target-${operation}@example.com`;
        expect((await holder.post('/scim/v2/Users').send(entraUser(taken))).status).toBe(201);
        const userId = await create(`rename-source-${operation}@example.com`);
        const attempt = scim(tenant.token);
        const refused =
          method === 'PATCH'
            ? await attempt.patch(`/scim/v2/Users/${userId}`).send(rename(taken))
            : await attempt.put(`/scim/v2/Users/${userId}`).send(entraUser(taken));
        expect({ status: refused.status, scimType: refused.body.scimType }).toEqual({ status: 409, scimType: 'uniqueness' });
        expect(
          (await refusalOf(attempt.requestId)).map((entry) => ({ userId: entry.userId, operation: entry.data.operation, reason: entry.data.reason })),
        ).toEqual([{ userId, operation, reason: 'EmailTaken' }]);
      },
      TIMEOUTS.requests,
    );
  });
});
