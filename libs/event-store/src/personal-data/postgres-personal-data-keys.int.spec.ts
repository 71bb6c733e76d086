import { createFreshPostgresDatabase, FreshPostgresDatabase } from '../postgres/fresh-postgres-database';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { describePersonalDataProtectionContract } from './personal-data-protection.contract';
import { PostgresPersonalDataKeys } from './postgres-personal-data-keys';

let database: FreshPostgresDatabase | undefined;
afterAll(async () => {
  await database?.drop();
});

describePersonalDataProtectionContract('postgres', async () => {
  database = await createFreshPostgresDatabase('scim_ledger_pd');
  const url = database.url;
  return {
    store: await PostgresEventStore.open({ connectionString: url }),
    keys: await PostgresPersonalDataKeys.open(url),
    secondKeys: () => PostgresPersonalDataKeys.open(url),
  };
});
