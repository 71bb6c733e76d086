import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { eventMetadata, PROVISIONING_REFUSAL_EVENT_SCHEMA_VERSIONS, provisioningRefusalsStreamId } from '@scim-ledger/domain';
import { EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { ReadModelProjector } from '@scim-ledger/read-model';
import { createdTenant } from './support/scim-tenant';
import { E2E_DATABASE, startTestApp, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';

/**
 * An audit export is read in chunks of 1,000 so that other requests get the
 * event loop between them (issue 15, second attack: ten CSV exports held
 * another tenant's lookups seconds). The chunks must add up to the export:
 * here 2,500 refusals that share one instant, so only the id orders them.
 */
describe(`audit export read in chunks on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it(
    'given 2,500 entries at one instant, when exported as NDJSON, then every entry comes once, in order',
    async () => {
      const { clientId, clientSecret } = await createdTenant(t, OPERATOR, { id: 'chunked', name: 'Chunked' });
      const metadata = eventMetadata(
        {
          tenantId: 'chunked',
          actor: { kind: 'scim-token', id: 'tok' },
          requestId: 'same',
          userAgent: null,
          clientAddress: null,
          now: '2026-12-03T08:00:00.000Z',
        },
        PROVISIONING_REFUSAL_EVENT_SCHEMA_VERSIONS.ProvisioningRefused,
      );
      const refusals = Array.from({ length: 2500 }, (_, i) => ({
        id: randomUUID(),
        type: 'ProvisioningRefused',
        data: { operation: 'create', userName: null, userId: null, reason: 'http404', status: 404, scimType: null, detail: `refusal ${i}` },
        metadata: { ...metadata },
      }));
      await t.app.get<EventStore>(EVENT_STORE).append(provisioningRefusalsStreamId('chunked'), refusals, 'any');
      await t.app.get(ReadModelProjector).catchUp();

      const exported = await request(t.http).get('/admin/v1/tenants/chunked/audit?format=ndjson&outcome=refused').auth(clientId, clientSecret);
      expect(exported.status).toBe(200);
      const details = exported.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).data.detail as string);
      expect(details).toEqual(refusals.map((_, i) => `refusal ${i}`));
    },
    TIMEOUTS.load,
  );
});
