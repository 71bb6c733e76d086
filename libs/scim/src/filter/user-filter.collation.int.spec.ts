import { openReadModel, ScimUserRow } from '@scim-ledger/read-model';
import type { DataSource } from 'typeorm';
import { createFreshPostgresDatabase, FreshPostgresDatabase } from '../../../event-store/src/postgres/fresh-postgres-database';
import { scimUserRow } from '../../../read-model/src/testing/scim-user-row';
import { userFilterToSql } from './user-filter.sql';

/**
 * gt, ge, lt and le compare texts in binary order on PostgreSQL (COLLATE "C"),
 * as SQLite does, whatever the database's own collation. This server creates
 * its databases in C, where a comparison that forgot its COLLATE is binary
 * anyway (the attack on issue 17 removed it and the filter suites passed), so
 * this suite runs on a database with an English ICU collation, where 'a' < 'B'
 * and 'é' < 'z'.
 */
describe('filter comparisons on a PostgreSQL database with a natural-language collation', () => {
  let database: FreshPostgresDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createFreshPostgresDatabase('scim_ledger_collation', { naturalLanguageCollation: true });
    dataSource = await openReadModel({ type: 'postgres', url: database.url });
    const rows = ['A', 'B', 'a', 'b', 'z', 'é'].map((value, i) =>
      scimUserRow({ id: `u${i}`, tenantId: 't', userName: `u${i}@example.com`, displayName: value, externalId: value, createdAt: '2026-01-01T00:00:00.000Z' }),
    );
    await dataSource.getRepository(ScimUserRow).insert(rows);
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const matching = async (filter: string) => {
    const { sql, params } = userFilterToSql(filter, 'postgres');
    const rows = await dataSource.getRepository(ScimUserRow).createQueryBuilder('u').select('u.externalId').where(sql, params).getMany();
    return rows.map((row) => row.externalId).sort();
  };

  it("given case-exact values, when compared with gt and lt, then in binary order (B < a), not the collation's (a < B)", async () => {
    expect(await matching('externalId gt "B"')).toEqual(['a', 'b', 'z', 'é']);
    expect(await matching('externalId lt "a"')).toEqual(['A', 'B']);
  });

  it('given case-insensitive values, when compared with ge and le, then their lower-cased forms in binary order (z < é)', async () => {
    expect(await matching('displayName ge "f"')).toEqual(['z', 'é']);
    expect(await matching('displayName le "b"')).toEqual(['A', 'B', 'a', 'b']);
  });
});
