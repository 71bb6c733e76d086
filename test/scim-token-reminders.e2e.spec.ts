import request from 'supertest';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { AuditEntryRow, ScimTokenRow } from '@scim-ledger/read-model';
import { ScimTokenReminders } from '../apps/api/src/admin/reminders/scim-token-reminders';
import { TenantCommands } from '../apps/api/src/application/tenants/tenant-commands';
import { E2E_DATABASE, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';
import { DAY_MS, TravellingClock } from './support/travelling-clock';
import { eventually } from './support/polling';
import { projectedEverythingStored } from './support/projected';
import { scimManagedTenant } from './support/scim-tenant';

const OPERATOR = 'operator-token-0123456789abcdef';
const ADMIN_EMAIL = 'admin@example.com';
const HOUR_MS = 3_600_000;
const REMINDER_DUE = 'ScimTokenExpiryReminderDue';

interface ReceivedMail {
  readonly envelopeFrom: string;
  readonly envelopeTo: string[];
  readonly headers: string;
  readonly subject: string;
  readonly body: string;
  readonly raw: string;
}

/** A real SMTP server in this process, on a free port, keeping what it receives; `refuse` answers 550 to every message. */
async function startMailbox(options: { refuse?: boolean } = {}) {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (options.refuse) {
          callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        received.push({ envelopeFrom, envelopeTo: session.envelope.rcptTo.map((r) => r.address), raw, ...parseMessage(raw) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Just enough of RFC 5322 to read the subject and a plain-text body (7bit or quoted-printable). */
function parseMessage(raw: string): { headers: string; subject: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(headers)?.[1] ?? '';
  let body = raw.slice(split + 4);
  if (/quoted-printable/i.test(header('Content-Transfer-Encoding'))) {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    body = Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return { headers, subject: header('Subject'), body: body.replace(/\r\n/g, '\n') };
}

/** The expiry as the mail shows it (rule T2: UTC). */
const shownInUtc = (expiresAt: string) => `${expiresAt.slice(0, 10)} ${expiresAt.slice(11, 16)} UTC`;

describe(`SCIM token expiry reminders (rule T3) on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let reminders: ScimTokenReminders;
  let credential: { clientId: string; clientSecret: string };
  let token: { token: string; tokenId: string; expiresAt: string };
  const clock = new TravellingClock();

  const reminderEvents = (tenantId: string) =>
    t.readModel.getRepository(AuditEntryRow).find({ where: { tenantId, eventType: REMINDER_DUE }, order: { streamRevision: 'ASC' } });
  const generateToken = async () => {
    const response = await request(t.http).post('/admin/v1/tenants/acme/scim-token').auth(credential.clientId, credential.clientSecret);
    expect(response.status).toBe(201);
    return response.body as { token: string; tokenId: string; expiresAt: string };
  };
  const travelBeforeExpiry = (ms: number) => clock.travelTo(Date.parse(token.expiresAt) - ms);

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestApp({ SMTP_URL: mailbox.url, ADMIN_NOTIFICATION_EMAIL: ADMIN_EMAIL, REMINDER_INTERVAL_MS: '0', ADMIN_OPERATOR_TOKEN: OPERATOR }, clock);
    reminders = t.app.get(ScimTokenReminders);
    credential = await scimManagedTenant(t, OPERATOR, { id: 'acme', name: 'Acme Corp' });
    // 100 days after the bootstrap tenants' tokens, so only acme's reminders fall in the windows below.
    clock.travelDays(100);
    token = await generateToken();
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  it('given a fresh token, when the scheduler looks, then nothing is recorded or mailed', async () => {
    expect(await reminders.runOnce()).toEqual([]);

    expect(mailbox.received).toHaveLength(0);
    expect(await reminderEvents('acme')).toHaveLength(0);
  });

  it('given 31 days before expiry, when the scheduler looks, then nothing yet: the 30-day window has not opened', async () => {
    travelBeforeExpiry(31 * DAY_MS);

    expect(await reminders.runOnce()).toEqual([]);
    expect(mailbox.received).toHaveLength(0);
  });

  it('given 29 days before expiry, when the scheduler looks, then one 30-day reminder is recorded and mailed to the admin', async () => {
    travelBeforeExpiry(29 * DAY_MS);

    const recorded = await reminders.runOnce();

    expect(recorded).toEqual([
      { tenantId: 'acme', tenantName: 'Acme Corp', tokenId: token.tokenId, daysBefore: 30, expiresAt: token.expiresAt, delivery: 'mailed' },
    ]);
    expect(mailbox.received).toHaveLength(1);
    const mail = mailbox.received[0];
    expect(mail.envelopeTo).toEqual([ADMIN_EMAIL]);
    expect(mail.envelopeFrom).toBe('no-reply@localhost');
    expect(mail.headers).toMatch(/^To: admin@example\.com$/im);
    expect(mail.headers).toMatch(/^Auto-Submitted: auto-generated$/im);
    expect(mail.subject).toBe('SCIM token for tenant Acme Corp expires in 30 days');
    expect(mail.body).toContain('tenant "Acme Corp" (id acme)');
    expect(mail.body).toContain(`expires on ${shownInUtc(token.expiresAt)}`);
    expect(mail.body).toContain('POST /admin/v1/tenants/acme/scim-token');
    expect(mail.body).toMatch(/identity provider/);
    // Rule T2: the token is shown once, never mailed.
    expect(mail.raw).not.toContain(token.token);

    const events = await reminderEvents('acme');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorKind: 'system', actorId: 'scim-token-reminders' });
    expect(events[0].requestId).toMatch(/^reminder-[0-9a-f-]{36}$/);
    expect(JSON.parse(events[0].data)).toMatchObject({ tokenId: token.tokenId, daysBefore: 30, expiresAt: token.expiresAt });
  });

  it('given the 30-day reminder recorded, when the scheduler looks again in the same window, then nothing new', async () => {
    expect(await reminders.runOnce()).toEqual([]);
    travelBeforeExpiry(20 * DAY_MS);
    expect(await reminders.runOnce()).toEqual([]);

    expect(mailbox.received).toHaveLength(1);
    expect(await reminderEvents('acme')).toHaveLength(1);
  });

  it('given 6 days before expiry, when the scheduler looks twice, then one 7-day reminder', async () => {
    travelBeforeExpiry(6 * DAY_MS);

    expect((await reminders.runOnce()).map((r) => r.daysBefore)).toEqual([7]);
    expect(await reminders.runOnce()).toEqual([]);

    expect(mailbox.received).toHaveLength(2);
    expect(mailbox.received[1].subject).toBe('SCIM token for tenant Acme Corp expires in 7 days');
    expect((await reminderEvents('acme')).map((e) => JSON.parse(e.data).daysBefore)).toEqual([30, 7]);
  });

  it('given 12 hours before expiry, when the scheduler looks twice, then one 1-day reminder', async () => {
    travelBeforeExpiry(12 * HOUR_MS);

    expect((await reminders.runOnce()).map((r) => r.daysBefore)).toEqual([1]);
    expect(await reminders.runOnce()).toEqual([]);

    expect(mailbox.received).toHaveLength(3);
    expect(mailbox.received[2].subject).toBe('SCIM token for tenant Acme Corp expires in 1 day');
    expect((await reminderEvents('acme')).map((e) => JSON.parse(e.data).daysBefore)).toEqual([30, 7, 1]);
  });

  it('given an expired token, when the scheduler looks, then nothing: the token already stopped working', async () => {
    travelBeforeExpiry(-HOUR_MS);

    expect(await reminders.runOnce()).toEqual([]);

    expect(mailbox.received).toHaveLength(3);
    expect(await reminderEvents('acme')).toHaveLength(3);
    // What tells the admin why provisioning stopped (rule T2): the token shows as expired.
    const shown = await request(t.http).get('/admin/v1/tenants/acme/scim-token').auth(credential.clientId, credential.clientSecret);
    expect([shown.status, shown.body.tokenId, shown.body.status]).toEqual([200, token.tokenId, 'expired']);
  });

  it('given a regenerated token, then nothing until its own 30-day window, which reminds about the new expiry', async () => {
    const previous = token;
    token = await generateToken();
    expect(token.tokenId).not.toBe(previous.tokenId);

    expect(await reminders.runOnce()).toEqual([]);
    travelBeforeExpiry(31 * DAY_MS);
    expect(await reminders.runOnce()).toEqual([]);
    expect(mailbox.received).toHaveLength(3);

    travelBeforeExpiry(29 * DAY_MS);
    const recorded = await reminders.runOnce();

    expect(recorded).toEqual([expect.objectContaining({ tokenId: token.tokenId, daysBefore: 30, delivery: 'mailed' })]);
    expect(mailbox.received).toHaveLength(4);
    expect(mailbox.received[3].subject).toBe('SCIM token for tenant Acme Corp expires in 30 days');
    expect(mailbox.received[3].body).toContain(`expires on ${shownInUtc(token.expiresAt)}`);
    expect(mailbox.received[3].raw).not.toContain(token.token);
    expect((await reminderEvents('acme')).map((e) => JSON.parse(e.data).tokenId)).toEqual([
      previous.tokenId,
      previous.tokenId,
      previous.tokenId,
      token.tokenId,
    ]);
  });
});

describe(`SCIM token expiry reminders without SMTP, on the scheduler's timer, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  const clock = new TravellingClock();

  beforeAll(async () => {
    // A mail server is listening, but the app is not told about it.
    mailbox = await startMailbox();
    t = await startTestApp({ REMINDER_INTERVAL_MS: '50' }, clock);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  it('given SMTP_URL unset and a token 6 days from expiry, when the timer fires, then the 7-day reminder is recorded, and nothing is mailed', async () => {
    const row = await t.readModel.getRepository(ScimTokenRow).findOneByOrFail({ tenantId: 'tenant-a' });
    clock.travelTo(Date.parse(row.expiresAt) - 6 * DAY_MS);

    const events = await eventually(
      () => t.readModel.getRepository(AuditEntryRow).findBy({ tenantId: 'tenant-a', eventType: REMINDER_DUE }),
      (found) => found.length > 0,
      TIMEOUTS.background,
      'the timer to record the 7-day reminder',
    );

    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0].data)).toMatchObject({ tokenId: row.tokenId, daysBefore: 7 });
    expect(mailbox.received).toHaveLength(0);
    // Later runs find it recorded: still one. A run queues after the timer's run in progress, and what it
    // would record is appended before it returns, so once the read model holds every stored event a second shows.
    expect(await t.app.get(ScimTokenReminders).runOnce()).toEqual([]);
    await projectedEverythingStored(t);
    expect(await t.readModel.getRepository(AuditEntryRow).countBy({ tenantId: 'tenant-a', eventType: REMINDER_DUE })).toBe(1);
  });
});

describe(`SCIM token expiry reminders when the mail server refuses, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let reminders: ScimTokenReminders;
  const clock = new TravellingClock();

  beforeAll(async () => {
    mailbox = await startMailbox({ refuse: true });
    t = await startTestApp({ SMTP_URL: mailbox.url, ADMIN_NOTIFICATION_EMAIL: ADMIN_EMAIL, REMINDER_INTERVAL_MS: '0' }, clock);
    reminders = t.app.get(ScimTokenReminders);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  it('given a refused mail, then the reminder stays recorded, is not retried, and the app keeps serving (at most once)', async () => {
    const row = await t.readModel.getRepository(ScimTokenRow).findOneByOrFail({ tenantId: 'tenant-a' });
    clock.travelTo(Date.parse(row.expiresAt) - 29 * DAY_MS);

    const recorded = await reminders.runOnce();

    expect(recorded).toContainEqual(expect.objectContaining({ tenantId: 'tenant-a', daysBefore: 30, delivery: 'failed' }));
    expect(await t.readModel.getRepository(AuditEntryRow).countBy({ tenantId: 'tenant-a', eventType: REMINDER_DUE })).toBe(1);
    expect(await reminders.runOnce()).toEqual([]);
    await projectedEverythingStored(t);
    expect(await t.readModel.getRepository(AuditEntryRow).countBy({ tenantId: 'tenant-a', eventType: REMINDER_DUE })).toBe(1);
    expect((await request(t.http).get('/scim/v2/Users').set('Authorization', `Bearer ${TENANT_A_TOKEN}`)).status).toBe(200);
  });
});

describe(`SCIM token expiry reminders of several tenants due at once, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let reminders: ScimTokenReminders;
  const clock = new TravellingClock();

  beforeAll(async () => {
    // The two bootstrap tenants get their tokens at the same start, so their windows open together.
    t = await startTestApp({ REMINDER_INTERVAL_MS: '0' }, clock);
    reminders = t.app.get(ScimTokenReminders);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const remindedTenants = (recorded: Array<{ tenantId: string; daysBefore: number }>) => recorded.map((r) => `${r.tenantId} ${r.daysBefore}`).sort();

  it('given two tenants whose tokens expire in 29 days, when the scheduler looks, then each gets its 30-day reminder (rule T3)', async () => {
    const row = await t.readModel.getRepository(ScimTokenRow).findOneByOrFail({ tenantId: 'tenant-a' });
    clock.travelTo(Date.parse(row.expiresAt) - 29 * DAY_MS);

    expect(remindedTenants(await reminders.runOnce())).toEqual(['tenant-a 30', 'tenant-b 30']);
  });

  it("given one tenant whose reminder fails, when the scheduler looks, then the other tenant is still reminded (rule T3: one tenant's failure keeps no other's back)", async () => {
    const row = await t.readModel.getRepository(ScimTokenRow).findOneByOrFail({ tenantId: 'tenant-a' });
    clock.travelTo(Date.parse(row.expiresAt) - 6 * DAY_MS);
    const tenants = t.app.get(TenantCommands);
    const load = tenants.load.bind(tenants);
    const spy = jest.spyOn(tenants, 'load').mockImplementation(async (tenantId) => {
      if (tenantId === 'tenant-a') throw new Error("tenant-a's stream could not be read (planted by the test)");
      return load(tenantId);
    });
    try {
      expect(remindedTenants(await reminders.runOnce())).toEqual(['tenant-b 7']);
    } finally {
      spy.mockRestore();
    }
  });

  it("given another instance recording the reminder between this run's read and its append, when this run re-decides, then it records and mails nothing (rule T3: at most once across instances)", async () => {
    const row = await t.readModel.getRepository(ScimTokenRow).findOneByOrFail({ tenantId: 'tenant-b' });
    clock.travelTo(Date.parse(row.expiresAt) - 12 * HOUR_MS);
    const tenants = t.app.get(TenantCommands);
    const execute = tenants.execute.bind(tenants);
    let raced = 0;
    const spy = jest.spyOn(tenants, 'execute').mockImplementation(async (tenantId, command, request) => {
      if (tenantId === 'tenant-b' && raced === 0) {
        raced++;
        // The other instance's run, with the same facts, lands first.
        await execute(tenantId, command, { ...request, requestId: 'reminder-other-instance' });
      }
      return execute(tenantId, command, request);
    });
    try {
      const recorded = await reminders.runOnce();
      expect(raced).toBe(1);
      expect(recorded.filter((reminder) => reminder.tenantId === 'tenant-b')).toEqual([]);
    } finally {
      spy.mockRestore();
    }
    // A reminder was due, and only the other instance recorded it.
    await projectedEverythingStored(t);
    const due = await t.readModel.getRepository(AuditEntryRow).findBy({ tenantId: 'tenant-b', eventType: REMINDER_DUE, requestId: 'reminder-other-instance' });
    expect(due.map((entry) => JSON.parse(entry.data).daysBefore)).toEqual([1]);
  });
});
