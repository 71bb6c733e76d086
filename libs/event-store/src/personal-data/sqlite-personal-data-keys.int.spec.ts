import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { describePersonalDataProtectionContract } from './personal-data-protection.contract';
import { SqlitePersonalDataKeys } from './sqlite-personal-data-keys';

const dir = mkdtempSync(join(tmpdir(), 'scim-ledger-pd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describePersonalDataProtectionContract('sqlite', async () => {
  const file = join(dir, 'events.sqlite');
  return { store: SqliteEventStore.open({ file }), keys: SqlitePersonalDataKeys.open(file), secondKeys: async () => SqlitePersonalDataKeys.open(file) };
});
