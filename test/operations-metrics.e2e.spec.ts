import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Prometheus' text format, one sample a line (help and type lines left out). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a Prometheus sample: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The sum of every sample of this name whose labels include these. */
function total(all: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return all
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

const backend = E2E_DATABASE;

/** Issue 20, item 2: GET /metrics in Prometheus' text format, moving with the traffic, bounded labels, optional token. */
describe('metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const scrape = async () => {
    const answer = await request(t.http).get('/metrics');
    expect(answer.status).toBe(200);
    return samples(answer.text);
  };
  const scim = (call: request.Test) => call.set('Authorization', `Bearer ${TENANT_A_TOKEN}`).set('Content-Type', SCIM_JSON);

  it('given no METRICS_TOKEN, when scraped without a credential, then Prometheus text with the process metrics', async () => {
    const answer = await request(t.http).get('/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const all = samples(answer.text);
    expect(total(all, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(all.some((sample) => sample.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('given SCIM traffic (a create, a refused create, a read, an unknown path), then every metric moves by what happened, labelled by route template, never by id', async () => {
    const before = await scrape();
    const created = await scim(request(t.http).post('/scim/v2/Users')).send(entraUser('metrics@example.com'));
    expect(created.status).toBe(201);
    expect((await scim(request(t.http).post('/scim/v2/Users')).send(entraUser('metrics@example.com'))).status).toBe(409);
    expect((await scim(request(t.http).get(`/scim/v2/Users/${created.body.id}`))).status).toBe(200);
    expect((await request(t.http).get('/no-such-page')).status).toBe(404);
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);

    expect({
      created: moved('scim_ledger_http_requests_total', { route: '/scim/v2/Users', method: 'POST', status_code: '201' }),
      conflicted: moved('scim_ledger_http_requests_total', { route: '/scim/v2/Users', method: 'POST', status_code: '409' }),
      read: moved('scim_ledger_http_requests_total', { route: '/scim/v2/Users/:id', method: 'GET', status_code: '200' }),
      readTimed: moved('scim_ledger_http_request_duration_seconds_count', { route: '/scim/v2/Users/:id', method: 'GET', status_code: '200' }),
      unmatched: moved('scim_ledger_http_requests_total', { route: 'unmatched', method: 'GET', status_code: '404' }),
      writesSucceeded: moved('scim_ledger_scim_writes_total', { tenant: 'tenant-a', operation: 'create', outcome: 'succeeded' }),
      writesRefused: moved('scim_ledger_scim_writes_total', { tenant: 'tenant-a', operation: 'create', outcome: 'refused' }),
      refusedAsTaken: moved('scim_ledger_scim_refusals_total', { reason: 'UserAlreadyExists' }),
    }).toEqual({
      created: 1,
      conflicted: 1,
      read: 1,
      readTimed: 1,
      unmatched: 1,
      writesSucceeded: 1,
      writesRefused: 1,
      refusedAsTaken: 1,
    });
    // The create and the refusal's record each append; each append was committed in some group; the projector applied them.
    expect(moved('scim_ledger_event_store_append_duration_seconds_count', { backend, outcome: 'appended' })).toBeGreaterThanOrEqual(2);
    expect(moved('scim_ledger_event_store_group_commit_size_count', { backend })).toBeGreaterThanOrEqual(1);
    expect(moved('scim_ledger_projector_batch_duration_seconds_count', { outcome: 'applied' })).toBeGreaterThanOrEqual(1);
    expect(moved('scim_ledger_projector_batch_events_sum')).toBeGreaterThanOrEqual(2);
    expect(moved('scim_ledger_read_your_writes_wait_seconds_count', { outcome: 'visible' })).toBeGreaterThanOrEqual(1);
    expect(total(after, 'scim_ledger_projector_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(after.some((sample) => sample.name === 'scim_ledger_projector_lag_events')).toBe(true);
    // Bounded labels: no id, address or raw path is a label value.
    const labelValues = after.flatMap((sample) => Object.values(sample.labels));
    expect(labelValues.filter((value) => value.includes(created.body.id) || value.includes('metrics@example.com') || value.includes('no-such-page'))).toEqual(
      [],
    );
  });

  it('given the sample Grafana dashboard, then every metric it charts is one the api exposes', async () => {
    const dashboard = readFileSync(join(__dirname, '../deploy/grafana/scim-ledger.json'), 'utf8');
    const charted = new Set([...dashboard.matchAll(/\b((?:scim_ledger|process|nodejs)_\w+?)(?:_bucket|_sum|_count)?\b(?=[{([ )])/g)].map((m) => m[1]));
    const text = (await request(t.http).get('/metrics')).text;
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
    expect(charted.size).toBeGreaterThan(10);
    expect([...charted].filter((name) => !exposed.has(name))).toEqual([]);
  });
});

describe('metrics guarded by METRICS_TOKEN', () => {
  const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['no credential', null],
    ['a wrong bearer token', 'Bearer metrics-token-wrong-0123456789'],
    ["a tenant's SCIM token", `Bearer ${TENANT_A_TOKEN}`],
    ['the token as HTTP Basic', `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`],
  ])('given %s, when scraped, then 401 with a bearer challenge and no metric', async (_, authorization) => {
    const call = request(t.http).get('/metrics');
    if (authorization) void call.set('Authorization', authorization);
    const answer = await call;
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(answer.text).not.toMatch(/process_cpu/);
  });

  it('given the METRICS_TOKEN as a bearer token, when scraped, then 200 with the metrics', async () => {
    const answer = await request(t.http).get('/metrics').set('Authorization', `bearer  ${METRICS_TOKEN}`);
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/^scim_ledger_http_requests_total\{/m);
  });
});

const GUARDED_TOKEN = 'metrics-token-guarded-0123456789';

describe('METRICS_TOKEN guesses and AUTH_FAILURE_LIMIT', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN: GUARDED_TOKEN, AUTH_FAILURE_LIMIT: '3' });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it('given an address over the failed-authentication limit, when it guesses the metrics token, then 429, like on every other route (the attack on issue 20)', async () => {
    const guess = (n: number) => request(t.http).get('/metrics').set('Authorization', `Bearer metrics-guess-${n}-0123456789`);
    expect([(await guess(1)).status, (await guess(2)).status, (await guess(3)).status]).toEqual([401, 401, 401]);
    const over = await guess(4);
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
    // The right token from that address is still served.
    expect((await request(t.http).get('/metrics').set('Authorization', `Bearer ${GUARDED_TOKEN}`)).status).toBe(200);
  });
});

describe('metrics of read-your-writes timing out', () => {
  let t: TestApp;

  beforeAll(async () => {
    // PROJECTOR=external and none running: no write becomes visible, each waits its 50 ms and is answered anyway.
    t = await startTestApp({ PROJECTOR: 'external', READ_YOUR_WRITES_TIMEOUT_MS: '50' });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it('given writes the read model never reaches, then the time-outs and the lag gauges move', async () => {
    const before = samples((await request(t.http).get('/metrics')).text);
    await t.bootstrap();
    const after = samples((await request(t.http).get('/metrics')).text);
    const timedOut = total(after, 'scim_ledger_read_your_writes_timeouts_total') - total(before, 'scim_ledger_read_your_writes_timeouts_total');
    expect(timedOut).toBeGreaterThanOrEqual(1);
    expect(total(after, 'scim_ledger_read_your_writes_wait_seconds_count', { outcome: 'timed_out' })).toBeGreaterThanOrEqual(timedOut);
    expect(total(after, 'scim_ledger_projector_lag_events')).toBeGreaterThanOrEqual(1);
    expect(total(after, 'scim_ledger_projector_lag_seconds')).toBeGreaterThan(0);
  });
});
