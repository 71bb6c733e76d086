import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { BootstrapTenant } from '../../apps/api/src/application/tenants/bootstrap-tenant';
import { AppOverrides } from '../../apps/api/src/app.module';
import { createApp } from '../../apps/api/src/create-app';
import { READ_MODEL } from '../../apps/api/src/tokens';
import { createFreshPostgresDatabase } from '../../libs/event-store/src/postgres/fresh-postgres-database';
import { StreamByStreamEventStore } from '../../libs/event-store/src/stream-by-stream/stream-by-stream-event-store';
import type { EventStore } from '@scim-ledger/event-store';
import { AppConfig, Clock, loadConfig } from '@scim-ledger/platform';

/** Which database the e2e suites run on: SQLite by default, PostgreSQL when E2E_DATABASE=postgres (CI). */
export const E2E_DATABASE = process.env.E2E_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * E2E_EVENT_STORE=stream-by-stream runs every e2e suite with multi-stream writes appended one stream at a
 * time, as on EventStoreDB (StreamByStreamEventStore over the database above).
 */
export const E2E_STREAM_BY_STREAM = process.env.E2E_EVENT_STORE === 'stream-by-stream';

export const TENANT_A_TOKEN = 'tenant-a-token-0123456789abcdef';
export const TENANT_B_TOKEN = 'tenant-b-token-0123456789abcdef';

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly http: ReturnType<NestFastifyApplication['getHttpServer']>;
  readonly config: AppConfig;
  readonly readModel: DataSource;
  /** The stream-by-stream store under the app, to inject faults with; null when appends are atomic. */
  readonly streamByStream: StreamByStreamEventStore | null;
  /** Creates tenants A and B with their SCIM tokens (done at start unless PROJECTOR=external). */
  bootstrap(): Promise<void>;
  close(): Promise<void>;
}

/** A storage location for one suite: a temp dir with a SQLite file, or a fresh PostgreSQL database. */
export async function freshStorage(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (E2E_DATABASE === 'postgres') {
    const database = await createFreshPostgresDatabase('scim_ledger_e2e');
    return { env: { EVENT_STORE: 'postgres', READ_MODEL: 'postgres', DATABASE_URL: database.url }, drop: () => database.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'scim-ledger-e2e-'));
  return { env: { DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export type TestAppOptions = Omit<AppOverrides, 'clock' | 'eventStoreAround'> & {
  /** Multi-stream writes appended one stream at a time, as on EventStoreDB; E2E_EVENT_STORE decides by default. */
  readonly streamByStream?: boolean;
};

/** The real app on a real database, with two tenants and their tokens. */
export async function startTestApp(env: Record<string, string> = {}, clock?: Clock, options: TestAppOptions = {}): Promise<TestApp> {
  const { streamByStream: appendsStreamByStream = E2E_STREAM_BY_STREAM, ...overrides } = options;
  const storage = env.DATA_DIR || env.DATABASE_URL ? null : await freshStorage();
  const config = loadConfig({ LOG_LEVEL: 'silent', ...storage?.env, ...env });
  let streamByStream: StreamByStreamEventStore | null = null;
  const eventStoreAround = appendsStreamByStream ? (backend: EventStore) => (streamByStream = new StreamByStreamEventStore(backend)) : undefined;
  const app = await createApp(config, { ...overrides, clock, eventStoreAround });
  await app.getHttpAdapter().getInstance().ready();
  const bootstrap = async () => {
    const tenants = app.get(BootstrapTenant);
    await tenants.ensure('tenant-a', TENANT_A_TOKEN);
    await tenants.ensure('tenant-b', TENANT_B_TOKEN);
  };
  // With PROJECTOR=external nothing projects the tenants until the test starts its projector.
  if (config.projector === 'in-process') await bootstrap();
  return {
    bootstrap,
    app,
    http: app.getHttpServer(),
    config,
    readModel: app.get<DataSource>(READ_MODEL),
    streamByStream,
    close: async () => {
      await app.close();
      await storage?.drop();
    },
  };
}

export const SCIM_JSON = 'application/scim+json';

export function entraUser(userName: string, overrides: Record<string, unknown> = {}) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    externalId: `obj-${userName}`,
    userName,
    active: true,
    displayName: `Display ${userName}`,
    emails: [{ primary: true, type: 'work', value: userName }],
    name: { formatted: 'Given Family', familyName: 'Family', givenName: 'Given' },
    ...overrides,
  };
}
