import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { describePersonalDataProtectionContract } from './personal-data-protection.contract';
import { SqlitePersonalDataKeys } from './sqlite-personal-data-keys';

const dir = mkdtempSync(join(tmpdir(), 'scim-ledger-pd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// As openEventStore sets it up: the keys on the events' connection; the second key store is another process's.
describePersonalDataProtectionContract('sqlite', async () => {
  const file = join(dir, 'events.sqlite');
  const store = SqliteEventStore.open({ file });
  return { store, keys: SqlitePersonalDataKeys.beside(store), secondKeys: async () => SqlitePersonalDataKeys.open(file) };
});

describePersonalDataProtectionContract('sqlite, keys on a connection of their own', async () => {
  const file = join(dir, 'events-apart.sqlite');
  return { store: SqliteEventStore.open({ file }), keys: SqlitePersonalDataKeys.open(file), secondKeys: async () => SqlitePersonalDataKeys.open(file) };
});
