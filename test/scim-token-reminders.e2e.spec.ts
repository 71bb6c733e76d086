import request from 'supertest';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { AuditEntryRow, ScimTokenRow } from '@scim-ledger/read-model';
import { RecordedReminder, ScimTokenReminders } from '../apps/api/src/admin/reminders/scim-token-reminders';
import { TenantCommands } from '../apps/api/src/application/tenants/tenant-commands';
import { E2E_DATABASE, startTestApp, TestApp } from './support/test-app';
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

/**
 * A real SMTP server in this process, on a free port, keeping what it receives. `refuse` (settable while it
 * runs) answers 550 to every message after its data; `refuseRecipients` answers 550 to those RCPT TO addresses.
 */
async function startMailbox(options: { refuse?: boolean } = {}) {
  const received: ReceivedMail[] = [];
  const control = { refuse: options.refuse ?? false, refuseRecipients: new Set<string>(), refused: 0 };
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (control.refuseRecipients.has(address.address)) {
        control.refused++;
        callback(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (control.refuse) {
          control.refused++;
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
    control,
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
      { tenantId: 'acme', tenantName: 'Acme Corp', tokenId: token.tokenId, daysBefore: 30, expiresAt: token.expiresAt, attempt: 1, delivery: 'mailed' },
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

/** The reminder's events on the tenant's stream, in order: what the audit trail shows of each attempt. */
const REMINDER_TRAIL = [
  'ScimTokenExpiryReminderDue',
  'ScimTokenExpiryReminderDelivered',
  'ScimTokenExpiryReminderDeliveryFailed',
  'ScimTokenExpiryReminderRetried',
];

describe(`SCIM token expiry reminders to each tenant's contacts, retried with back-off (issue 20 item 5), on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let reminders: ScimTokenReminders;
  let acme: { clientId: string; clientSecret: string };
  let globex: { clientId: string; clientSecret: string };
  let expiresAt: string;
  const clock = new TravellingClock();
  const MINUTE_MS = 60_000;

  const trail = async (tenantId: string) =>
    (await t.readModel.getRepository(AuditEntryRow).find({ where: { tenantId }, order: { streamRevision: 'ASC' } }))
      .filter((entry) => REMINDER_TRAIL.includes(entry.eventType))
      .map((entry) => ({ type: entry.eventType, ...JSON.parse(entry.data), actorId: entry.actorId }));
  const since = <T>(list: T[], count: number) => list.slice(count);
  const travelBeforeExpiry = (ms: number) => clock.travelTo(Date.parse(expiresAt) - ms);
  const mailsTo = (address: string) => mailbox.received.filter((mail) => mail.envelopeTo.includes(address));
  const attemptsOf = (recorded: RecordedReminder[]) => recorded.filter((r) => r.tenantId === 'acme').map((r) => [r.attempt, r.delivery]);
  /** To the latest next attempt both tenants' last failures name (the clock runs on while they are recorded), plus `ms`. */
  const travelToNextAttempt = async (ms = 0) => {
    const next = [];
    for (const tenantId of ['acme', 'globex']) {
      const failures = (await trail(tenantId)).filter((e) => e.type === 'ScimTokenExpiryReminderDeliveryFailed');
      next.push(Date.parse(failures[failures.length - 1].nextAttemptAt));
    }
    clock.travelTo(Math.max(...next) + ms);
  };

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestApp({ SMTP_URL: mailbox.url, ADMIN_NOTIFICATION_EMAIL: ADMIN_EMAIL, REMINDER_INTERVAL_MS: '0', ADMIN_OPERATOR_TOKEN: OPERATOR }, clock);
    reminders = t.app.get(ScimTokenReminders);
    acme = await scimManagedTenant(t, OPERATOR, { id: 'acme', name: 'Acme Corp' });
    globex = await scimManagedTenant(t, OPERATOR, { id: 'globex', name: 'Globex' });
    const contacts = await request(t.http)
      .put('/admin/v1/tenants/acme/notification-contacts')
      .auth(acme.clientId, acme.clientSecret)
      .send({ contacts: ['it-admins@acme.example', 'ada@acme.example'] });
    expect(contacts.status).toBe(200);
    // 100 days after the bootstrap tenants' tokens, so only acme's and globex's reminders fall in the windows below.
    clock.travelDays(100);
    for (const admin of [acme, globex]) {
      const tenantId = admin === acme ? 'acme' : 'globex';
      const generated = await request(t.http).post(`/admin/v1/tenants/${tenantId}/scim-token`).auth(admin.clientId, admin.clientSecret);
      expect(generated.status).toBe(201);
      // The times below are acme's; globex's token expires a moment later.
      if (admin === acme) expiresAt = generated.body.expiresAt;
    }
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  it("given a tenant with contacts and one without, when the 30-day reminders are due, then each goes to the tenant's own contacts, the other to ADMIN_NOTIFICATION_EMAIL", async () => {
    travelBeforeExpiry(29 * DAY_MS);

    const recorded = await reminders.runOnce();

    expect(recorded.map((r) => [r.tenantId, r.daysBefore, r.attempt, r.delivery]).sort()).toEqual([
      ['acme', 30, 1, 'mailed'],
      ['globex', 30, 1, 'mailed'],
    ]);
    expect(mailbox.received).toHaveLength(2);
    const toAcme = mailbox.received.find((mail) => mail.subject.includes('Acme Corp'))!;
    expect(toAcme.envelopeTo).toEqual(['it-admins@acme.example', 'ada@acme.example']);
    expect(toAcme.headers).toMatch(/^To: it-admins@acme\.example, ada@acme\.example$/im);
    const toGlobex = mailbox.received.find((mail) => mail.subject.includes('Globex'))!;
    expect(toGlobex.envelopeTo).toEqual([ADMIN_EMAIL]);
    // The delivery is an event of its own, naming whose list got it, never an address.
    const acmeTrail = await trail('acme');
    expect(acmeTrail.map((e) => [e.type, e.attempt ?? null, e.recipients ?? null])).toEqual([
      ['ScimTokenExpiryReminderDue', null, null],
      ['ScimTokenExpiryReminderDelivered', 1, 'contacts'],
    ]);
    expect(JSON.stringify(acmeTrail)).not.toContain('acme.example');
    expect((await trail('globex')).map((e) => [e.type, e.recipients ?? null])).toEqual([
      ['ScimTokenExpiryReminderDue', null],
      ['ScimTokenExpiryReminderDelivered', 'fallback'],
    ]);
    expect(await reminders.runOnce()).toEqual([]);
  });

  it('given the mail server refusing, when the 7-day reminder is due, then it is retried after 1 and 5 minutes, each attempt an event, and delivered once the server takes it', async () => {
    const before = (await trail('acme')).length;
    mailbox.control.refuse = true;
    travelBeforeExpiry(6 * DAY_MS);

    expect(attemptsOf(await reminders.runOnce())).toEqual([[1, 'failed']]);
    // Not before its back-off, then once it is over.
    await travelToNextAttempt(-1000);
    expect(await reminders.runOnce()).toEqual([]);
    await travelToNextAttempt();
    expect(attemptsOf(await reminders.runOnce())).toEqual([[2, 'failed']]);
    mailbox.control.refuse = false;
    await travelToNextAttempt(-1000);
    expect(await reminders.runOnce()).toEqual([]);
    await travelToNextAttempt();
    expect(attemptsOf(await reminders.runOnce())).toEqual([[3, 'mailed']]);
    expect(await reminders.runOnce()).toEqual([]);

    const attempts = since(await trail('acme'), before);
    expect(attempts).toEqual([
      { type: 'ScimTokenExpiryReminderDue', tokenId: expect.any(String), daysBefore: 7, expiresAt, dueAt: expect.any(String), actorId: 'scim-token-reminders' },
      {
        type: 'ScimTokenExpiryReminderDeliveryFailed',
        tokenId: expect.any(String),
        daysBefore: 7,
        attempt: 1,
        failure: 'refused',
        smtpCode: 550,
        failedAt: expect.any(String),
        nextAttemptAt: expect.any(String),
        actorId: 'scim-token-reminders',
      },
      {
        type: 'ScimTokenExpiryReminderRetried',
        tokenId: expect.any(String),
        daysBefore: 7,
        attempt: 2,
        attemptedAt: expect.any(String),
        actorId: 'scim-token-reminders',
      },
      expect.objectContaining({ type: 'ScimTokenExpiryReminderDeliveryFailed', attempt: 2, failure: 'refused', smtpCode: 550 }),
      expect.objectContaining({ type: 'ScimTokenExpiryReminderRetried', attempt: 3 }),
      expect.objectContaining({ type: 'ScimTokenExpiryReminderDelivered', attempt: 3, recipients: 'contacts' }),
    ]);
    const failures = attempts.filter((e) => e.type === 'ScimTokenExpiryReminderDeliveryFailed');
    expect(failures.map((e) => Date.parse(e.nextAttemptAt) - Date.parse(e.failedAt))).toEqual([MINUTE_MS, 5 * MINUTE_MS]);
    // Each retry was taken once its back-off was over, never before.
    const retries = attempts.filter((e) => e.type === 'ScimTokenExpiryReminderRetried');
    expect(retries.map((e, i) => Date.parse(e.attemptedAt) >= Date.parse(failures[i].nextAttemptAt))).toEqual([true, true]);
    // Exactly one 7-day mail reached each tenant's recipients.
    expect(mailsTo('ada@acme.example').map((mail) => mail.subject)).toEqual([
      'SCIM token for tenant Acme Corp expires in 30 days',
      'SCIM token for tenant Acme Corp expires in 7 days',
    ]);
    expect(mailsTo(ADMIN_EMAIL).map((mail) => mail.subject)).toEqual([
      'SCIM token for tenant Globex expires in 30 days',
      'SCIM token for tenant Globex expires in 7 days',
    ]);
  });

  it('given the 1-day reminder failing close to the expiry, when the next back-off would end after it, then nothing is retried once the window closed', async () => {
    const before = (await trail('acme')).length;
    const mailsBefore = mailbox.received.length;
    mailbox.control.refuse = true;
    travelBeforeExpiry(3 * MINUTE_MS);

    expect(attemptsOf(await reminders.runOnce())).toEqual([[1, 'failed']]);
    await travelToNextAttempt();
    expect(attemptsOf(await reminders.runOnce())).toEqual([[2, 'failed']]);
    mailbox.control.refuse = false;
    // The third attempt would be 5 minutes after the second: after the expiry, where the 1-day window ends.
    for (const left of [MINUTE_MS, 1000, -MINUTE_MS, -10 * MINUTE_MS]) {
      travelBeforeExpiry(left);
      expect(await reminders.runOnce()).toEqual([]);
    }

    const attempts = since(await trail('acme'), before).filter((e) => e.type !== 'ScimTokenExpiryReminderDue');
    expect(attempts.map((e) => [e.type, e.attempt, e.nextAttemptAt === undefined ? '-' : e.nextAttemptAt === null ? null : 'later'])).toEqual([
      ['ScimTokenExpiryReminderDeliveryFailed', 1, 'later'],
      ['ScimTokenExpiryReminderRetried', 2, '-'],
      ['ScimTokenExpiryReminderDeliveryFailed', 2, null],
    ]);
    expect(mailbox.received).toHaveLength(mailsBefore);
  });
});

describe(`SCIM token expiry reminders without ADMIN_NOTIFICATION_EMAIL, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let reminders: ScimTokenReminders;
  const clock = new TravellingClock();

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestApp({ SMTP_URL: mailbox.url, REMINDER_INTERVAL_MS: '0', ADMIN_OPERATOR_TOKEN: OPERATOR }, clock);
    reminders = t.app.get(ScimTokenReminders);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  it('given a tenant without contacts and no fallback, then the reminder is recorded as undeliverable, retried with back-off, reaches contacts added meanwhile, and the app keeps serving', async () => {
    const admin = await scimManagedTenant(t, OPERATOR, { id: 'initech', name: 'Initech' });
    clock.travelDays(100);
    const generated = await request(t.http).post('/admin/v1/tenants/initech/scim-token').auth(admin.clientId, admin.clientSecret);
    clock.travelTo(Date.parse(generated.body.expiresAt) - 29 * DAY_MS);

    expect((await reminders.runOnce()).map((r) => [r.tenantId, r.attempt, r.delivery])).toEqual([['initech', 1, 'failed']]);
    const failed = await t.readModel.getRepository(AuditEntryRow).findOneByOrFail({ tenantId: 'initech', eventType: 'ScimTokenExpiryReminderDeliveryFailed' });
    expect(JSON.parse(failed.data)).toMatchObject({
      attempt: 1,
      failure: 'no-recipient',
      smtpCode: null,
    });
    expect(mailbox.received).toHaveLength(0);
    // The admin sees why: nobody is there to remind.
    const shown = await request(t.http).get('/admin/v1/tenants/initech/notification-contacts').auth(admin.clientId, admin.clientSecret);
    expect([shown.status, shown.body.remindersGoTo]).toEqual([200, 'nobody']);

    const contacts = await request(t.http)
      .put('/admin/v1/tenants/initech/notification-contacts')
      .auth(admin.clientId, admin.clientSecret)
      .send({ contacts: ['bill@initech.example'] });
    expect(contacts.status).toBe(200);
    expect(Date.parse(JSON.parse(failed.data).nextAttemptAt) - Date.parse(JSON.parse(failed.data).failedAt)).toBe(60_000);
    clock.travelTo(Date.parse(JSON.parse(failed.data).nextAttemptAt));

    expect((await reminders.runOnce()).map((r) => [r.tenantId, r.attempt, r.delivery])).toEqual([['initech', 2, 'mailed']]);
    expect(mailbox.received.map((mail) => mail.envelopeTo)).toEqual([['bill@initech.example']]);
  });

  it('given one of two contacts refused at RCPT TO, then the mail still reaches the other and the reminder counts as delivered', async () => {
    const admin = await scimManagedTenant(t, OPERATOR, { id: 'umbrella', name: 'Umbrella' });
    const contacts = await request(t.http)
      .put('/admin/v1/tenants/umbrella/notification-contacts')
      .auth(admin.clientId, admin.clientSecret)
      .send({ contacts: ['gone@umbrella.example', 'alice@umbrella.example'] });
    expect(contacts.status).toBe(200);
    mailbox.control.refuseRecipients.add('gone@umbrella.example');
    const generated = await request(t.http).post('/admin/v1/tenants/umbrella/scim-token').auth(admin.clientId, admin.clientSecret);
    clock.travelTo(Date.parse(generated.body.expiresAt) - 29 * DAY_MS);

    expect((await reminders.runOnce()).filter((r) => r.tenantId === 'umbrella').map((r) => [r.attempt, r.delivery])).toEqual([[1, 'mailed']]);
    expect(mailbox.received.filter((mail) => mail.subject.includes('Umbrella')).map((mail) => mail.envelopeTo)).toEqual([['alice@umbrella.example']]);
  });
  it("given another instance taking the retry between this run's read and its append, when this run re-decides, then it takes and mails nothing (one mail per attempt across instances)", async () => {
    const admin = await scimManagedTenant(t, OPERATOR, { id: 'hooli', name: 'Hooli' });
    const generated = await request(t.http).post('/admin/v1/tenants/hooli/scim-token').auth(admin.clientId, admin.clientSecret);
    clock.travelTo(Date.parse(generated.body.expiresAt) - 29 * DAY_MS);
    // No contacts and no fallback: the first attempt fails, and a retry is due after its back-off.
    expect((await reminders.runOnce()).filter((r) => r.tenantId === 'hooli').map((r) => r.delivery)).toEqual(['failed']);
    const failed = await t.readModel.getRepository(AuditEntryRow).findOneByOrFail({ tenantId: 'hooli', eventType: 'ScimTokenExpiryReminderDeliveryFailed' });
    await request(t.http)
      .put('/admin/v1/tenants/hooli/notification-contacts')
      .auth(admin.clientId, admin.clientSecret)
      .send({ contacts: ['gavin@hooli.example'] });
    clock.travelTo(Date.parse(JSON.parse(failed.data).nextAttemptAt));
    const tenants = t.app.get(TenantCommands);
    const execute = tenants.execute.bind(tenants);
    let raced = 0;
    const spy = jest.spyOn(tenants, 'execute').mockImplementation(async (tenantId, command, request) => {
      if (tenantId === 'hooli' && typeof command !== 'function' && command.type === 'RetryScimTokenExpiryReminder' && raced === 0) {
        raced++;
        // The other instance's run, with the same facts, takes the attempt first.
        await execute(tenantId, command, { ...request, requestId: 'reminder-other-instance' });
      }
      return execute(tenantId, command, request);
    });
    try {
      expect((await reminders.runOnce()).filter((r) => r.tenantId === 'hooli')).toEqual([]);
      expect(raced).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(mailbox.received.filter((mail) => mail.envelopeTo.includes('gavin@hooli.example'))).toEqual([]);
    await projectedEverythingStored(t);
    const retried = await t.readModel.getRepository(AuditEntryRow).findBy({ tenantId: 'hooli', eventType: 'ScimTokenExpiryReminderRetried' });
    expect(retried.map((entry) => [entry.requestId, JSON.parse(entry.data).attempt])).toEqual([['reminder-other-instance', 2]]);
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
