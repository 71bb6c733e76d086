import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createFreshPostgresDatabase } from '../../event-store/src/postgres/fresh-postgres-database';
import { openReadModel, ReadModelDatabase } from './read-model.data-source';

/** One process that opens the read model and closes it again, as the api and the projector do at start. */
const OPEN_AND_CLOSE = `require('reflect-metadata');
require(${JSON.stringify(join(__dirname, 'read-model.data-source'))})
  .openReadModel(JSON.parse(process.argv[1]))
  .then((dataSource) => dataSource.destroy());`;

/**
 * The api and the projector (or several api instances) start at once on one
 * database, as docker-compose starts them: each creates the read model's
 * tables if they are missing. Two creations raced, and the loser stopped: on
 * PostgreSQL with "duplicate key value violates unique constraint
 * pg_type_typname_nsp_index" (a kill -9 run in CI never saw its api answer),
 * on SQLite with "database is locked".
 */
describe.each(['sqlite', 'postgres'] as const)('opening a fresh read model on %s', (type) => {
  let database: ReadModelDatabase;
  let drop: () => Promise<void>;

  beforeEach(async () => {
    if (type === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'scim-ledger-open-'));
      database = { type, file: join(dir, 'read-model.sqlite') };
      drop = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      const fresh = await createFreshPostgresDatabase('scim_ledger_open');
      database = { type, url: fresh.url };
      drop = () => fresh.drop();
    }
  });

  afterEach(() => drop());

  it('given four processes opening it at the same moment, when each creates the tables, then every one opens and every table is there', async () => {
    const opened = await Promise.allSettled(
      [1, 2, 3, 4].map(() => promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', OPEN_AND_CLOSE, JSON.stringify(database)])),
    );

    expect(opened.flatMap((result) => (result.status === 'rejected' ? [String(result.reason).slice(0, 500)] : []))).toEqual([]);
    const dataSource = await openReadModel(database);
    try {
      const expected = dataSource.entityMetadatas.map((entity) => entity.tableName).sort();
      const runner = dataSource.createQueryRunner();
      const tables = await runner.getTables(expected).finally(() => runner.release());
      expect(tables.map((table) => table.name.replace(/^public\./, '')).sort()).toEqual(expected);
      expect(expected.length).toBeGreaterThan(5);
    } finally {
      await dataSource.destroy();
    }
  }, 60_000);
});
