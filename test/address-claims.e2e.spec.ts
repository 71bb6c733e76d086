import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { addressClaimStreamId, addressDigest, eventMetadata } from '@scim-ledger/domain';
import { EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { runCli } from './support/run-cli';
import { E2E_DATABASE, entraUser, freshStorage, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TENANT_B_TOKEN, TestApp } from './support/test-app';
import { builtEntry } from './support/processes';
import { TIMEOUTS } from './support/timeouts';

// The CLI runs built (support/processes.ts, builtEntry): built here, under the build's time-out.
beforeAll(() => builtEntry('cli'), TIMEOUTS.build);

/**
 * Issue 15, finding 4: addresses stored before they were canonical, and
 * users from before claims existed. `verify` finds every live address not
 * held by exactly its user's claim; `claim-addresses` mends them, and can
 * run again.
 */
describe(`address claims migrated on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let env: Record<string, string>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const storage = await freshStorage();
    env = storage.env;
    drop = storage.drop;
    t = await startTestApp(env);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });

  const create = (token: string, userName: string) =>
    request(t.http).post('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON).send(entraUser(userName));
  const claimEvent = (type: 'EmailReserved' | 'EmailReleased', key: string, userId: string) => ({
    id: randomUUID(),
    type,
    data:
      type === 'EmailReserved'
        ? { email: addressDigest(key), userId, tenantId: 'tenant-a', reservedAt: '2026-01-01T00:00:00.000Z', replacedUserId: null }
        : { email: addressDigest(key), userId },
    metadata: {
      ...eventMetadata(
        {
          tenantId: 'tenant-a',
          actor: { kind: 'system', id: 'test' },
          requestId: 'old-version',
          userAgent: null,
          clientAddress: null,
          now: '2026-01-01T00:00:00.000Z',
        },
        1,
      ),
    },
  });

  it(
    'given a user without a claim and one claimed under the older lower-cased key, when verified, migrated and verified again, then the claims are mended and the addresses are unique',
    async () => {
      const eventStore = t.app.get<EventStore>(EVENT_STORE);
      // A user from before claims existed: its claim given back leaves the address unclaimed, as then.
      const unclaimed = (await create(TENANT_A_TOKEN, 'before-claims@example.com')).body.id;
      await eventStore.append(addressClaimStreamId('before-claims@example.com'), [claimEvent('EmailReleased', 'before-claims@example.com', unclaimed)], 'any');
      // A user an older version claimed under its lower-cased (not canonical) key.
      const fullwidth = 'Ｌegacy@example.com';
      const legacy = (await create(TENANT_A_TOKEN, fullwidth)).body.id;
      await eventStore.append(addressClaimStreamId('legacy@example.com'), [claimEvent('EmailReleased', 'legacy@example.com', legacy)], 'any');
      await eventStore.append(addressClaimStreamId(fullwidth.toLowerCase()), [claimEvent('EmailReserved', fullwidth.toLowerCase(), legacy)], 'any');
      const claimed = (await create(TENANT_A_TOKEN, 'claimed@example.com')).body.id;
      expect([unclaimed, legacy, claimed].every(Boolean)).toBe(true);

      const before = await runCli(env, 'verify');
      expect(before.code).toBe(1);
      expect(before.stdout).toContain(`user ${unclaimed} is live but the claim is missing`);
      expect(before.stdout).toContain(`user ${legacy} is live but the claim is missing`);
      expect(before.stdout).not.toContain(claimed);
      expect(before.stdout).not.toContain('before-claims@');

      const migrated = await runCli(env, 'claim-addresses');
      expect(migrated).toMatchObject({ code: 0 });
      expect(migrated.stdout).toContain('2 address(es) claimed, 1 older claim(s) given back');
      expect((await runCli(env, 'claim-addresses')).stdout).toContain('0 address(es) claimed, 0 older claim(s) given back');

      const after = await runCli(env, 'verify');
      expect(after.stdout).toContain('0 difference(s)');
      expect(after.code).toBe(0);
      // The claims now hold: another tenant cannot take either address.
      expect((await create(TENANT_B_TOKEN, 'before-claims@example.com')).status).toBe(409);
      expect((await create(TENANT_B_TOKEN, 'legacy@example.com')).status).toBe(409);
    },
    TIMEOUTS.load,
  );
});
