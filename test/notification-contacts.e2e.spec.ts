import request from 'supertest';
import { personalFieldsOf } from '@scim-ledger/domain';
import { EventStore, openEventStore, PostgresEventStore, RecordedEvent, SqliteEventStore } from '@scim-ledger/event-store';
import { E2E_DATABASE, startTestApp, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';
import { AdminCredential, createdTenant } from './support/scim-tenant';

const OPERATOR = 'operator-token-0123456789abcdef';
const CONTACTS = '/admin/v1/tenants/acme/notification-contacts';

/** Every stored event of a stream as the backend holds it, without the personal-data protection in front. */
async function rawStream(t: TestApp, streamId: string): Promise<RecordedEvent[]> {
  const backend = t.config.eventStore;
  const store: EventStore =
    backend.type === 'sqlite'
      ? SqliteEventStore.open({ file: backend.file })
      : await PostgresEventStore.open({ connectionString: (backend as { url: string }).url });
  try {
    return await store.readStream(streamId);
  } finally {
    await store.close();
  }
}

/** Issue 20 item 5, rule T3 (revised): a tenant's admins manage who its expiry reminders go to. */
describe(`notification contacts through the admin API on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let acme: AdminCredential;
  let globex: AdminCredential;

  const put = (body: unknown, who: AdminCredential = acme) =>
    request(t.http)
      .put(CONTACTS)
      .auth(who.clientId, who.clientSecret)
      .send(body as object);
  const audited = async () => {
    const response = await request(t.http).get('/admin/v1/tenants/acme/audit?eventType=NotificationContactsSet').auth(acme.clientId, acme.clientSecret);
    expect(response.status).toBe(200);
    return response.body.entries as { eventType: string; actorKind: string; actorId: string; data: { contacts: string[] } }[];
  };

  beforeAll(async () => {
    // A mail server is named (never reached: the scheduler is off), with the operator's fallback address.
    t = await startTestApp({
      ADMIN_OPERATOR_TOKEN: OPERATOR,
      REMINDER_INTERVAL_MS: '0',
      SMTP_URL: 'smtp://127.0.0.1:9',
      ADMIN_NOTIFICATION_EMAIL: 'ops@operator.example',
    });
    acme = await createdTenant(t, OPERATOR, { id: 'acme', name: 'Acme Corp' });
    globex = await createdTenant(t, OPERATOR, { id: 'globex', name: 'Globex' });
  }, TIMEOUTS.appStart);
  afterAll(() => t?.close());

  it('given a new tenant, when its admin reads the contacts, then none: reminders go to the operator, whose address is not shown', async () => {
    const response = await request(t.http).get(CONTACTS).auth(acme.clientId, acme.clientSecret);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ contacts: [], remindersGoTo: 'operator' });
    expect(response.text).not.toContain('ops@operator.example');
  });

  it('given contacts, when the admin puts them, then they are kept trimmed, once per mailbox, and the change is in the audit trail with who made it', async () => {
    const response = await put({ contacts: [' it-admins@acme.example ', 'Ada@Acme.example', 'ada@acme.example'] });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ contacts: ['it-admins@acme.example', 'Ada@Acme.example'], remindersGoTo: 'contacts' });
    expect((await request(t.http).get(CONTACTS).auth(acme.clientId, acme.clientSecret)).body.contacts).toEqual(['it-admins@acme.example', 'Ada@Acme.example']);
    const entries = await audited();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorKind: 'admin-credential',
      actorId: (acme as AdminCredential & { credentialId: string }).credentialId,
      data: { contacts: ['it-admins@acme.example', 'Ada@Acme.example'] },
    });
  });

  it('given the same list again, when put, then 200 and nothing new in the audit trail (idempotent)', async () => {
    const response = await put({ contacts: ['it-admins@acme.example', 'Ada@Acme.example'] });

    expect(response.status).toBe(200);
    expect(await audited()).toHaveLength(1);
  });

  it.each([
    ['an address that is no mailbox', { contacts: ['not an address'] }, 422, 'InvalidNotificationContacts'],
    ['a header injection', { contacts: ['ops@acme.example\r\nBcc: x@evil.example'] }, 422, 'InvalidNotificationContacts'],
    ['21 mailboxes', { contacts: Array.from({ length: 21 }, (_, i) => `a${i}@acme.example`) }, 422, 'InvalidNotificationContacts'],
    ['an address of 300 characters', { contacts: [`${'a'.repeat(290)}@acme.example`] }, 422, 'InvalidNotificationContacts'],
    ['a number in the list', { contacts: [42] }, 400, 'Bad Request'],
    ['no list', { contacts: 'ops@acme.example' }, 400, 'Bad Request'],
    ['no body', {}, 400, 'Bad Request'],
    ['an unknown field', { contacts: [], cc: ['x@evil.example'] }, 400, 'Bad Request'],
    ['a huge list', { contacts: Array.from({ length: 101 }, () => 'a@acme.example') }, 400, 'Bad Request'],
  ])('given %s, when put, then problem details and nothing changes', async (_, body, status, title) => {
    const response = await put(body);

    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status, title });
    expect((await request(t.http).get(CONTACTS).auth(acme.clientId, acme.clientSecret)).body.contacts).toEqual(['it-admins@acme.example', 'Ada@Acme.example']);
  });

  it("given another tenant's credential, when it reads or sets acme's contacts, then 404 like an unknown tenant; the operator gets 403", async () => {
    expect((await request(t.http).get(CONTACTS).auth(globex.clientId, globex.clientSecret)).status).toBe(404);
    expect((await put({ contacts: ['intruder@evil.example'] }, globex)).status).toBe(404);
    expect((await request(t.http).get(CONTACTS).set('Authorization', `Bearer ${OPERATOR}`)).status).toBe(403);
  });

  it('given contacts, when the admin puts an empty list, then reminders fall back to the operator again', async () => {
    const response = await put({ contacts: [] });

    expect(response.body).toEqual({ contacts: [], remindersGoTo: 'operator' });
    expect((await audited()).map((e) => e.data.contacts)).toEqual([['it-admins@acme.example', 'Ada@Acme.example'], []]);
  });

  it("given contacts, then the stored events hold the admins' addresses only sealed; deleting the tenant shreds them", async () => {
    const doomed = await createdTenant(t, OPERATOR, { id: 'doomed', name: 'Doomed' });
    const set = await request(t.http)
      .put('/admin/v1/tenants/doomed/notification-contacts')
      .auth(doomed.clientId, doomed.clientSecret)
      .send({ contacts: ['grace.hopper@doomed.example'] });
    expect(set.status).toBe(200);
    const stored = (await rawStream(t, 'tenant-doomed')).map((e) => JSON.stringify({ data: e.data, metadata: e.metadata }));
    expect(stored.join('\n')).toContain('personalData');
    expect(stored.join('\n')).not.toContain('grace');

    expect((await request(t.http).delete('/admin/v1/tenants/doomed').set('Authorization', `Bearer ${OPERATOR}`)).status).toBe(200);

    const store = await openEventStore(t.config.eventStore, personalFieldsOf);
    try {
      const contactsSet = (await store.readStream('tenant-doomed')).find((e) => e.type === 'NotificationContactsSet');
      expect(contactsSet?.data).toEqual({ contacts: [] });
      expect(contactsSet?.metadata.personalData).toBe('shredded');
    } finally {
      await store.close();
    }
  });
});
