import type { DataSource } from 'typeorm';
import type { ReadModelConfig } from '@scim-ledger/platform';
import { openReadModel } from '@scim-ledger/read-model';
import { createFreshPostgresDatabase } from '../../../../../../libs/event-store/src/postgres/fresh-postgres-database';

/** A read model of its own for one suite, and how to close it. */
export interface OpenedReadModel {
  readonly config: ReadModelConfig;
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

/** The backends a query object's int spec runs on (`describe.each`): the embedded default and PostgreSQL (PG_TEST_URL). */
export const READ_MODEL_BACKENDS: ReadonlyArray<[string, (suite: string) => Promise<OpenedReadModel>]> = [
  [
    'SQLite',
    async () => {
      const config: ReadModelConfig = { type: 'sqlite', file: ':memory:' };
      const dataSource = await openReadModel(config);
      return { config, dataSource, close: () => dataSource.destroy() };
    },
  ],
  [
    'PostgreSQL',
    async (suite) => {
      const database = await createFreshPostgresDatabase(suite);
      const config: ReadModelConfig = { type: 'postgres', url: database.url };
      const dataSource = await openReadModel(config);
      return {
        config,
        dataSource,
        close: async () => {
          await dataSource.destroy();
          await database.drop();
        },
      };
    },
  ],
];
