import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { openReadModel, ScimUserRow } from '@scim-ledger/read-model';
import { MAX_FILTER_LENGTH, ScimError, userFilterToSql, type FilterDialect } from '@scim-ledger/scim';
import { createFreshPostgresDatabase } from '../libs/event-store/src/postgres/fresh-postgres-database';
import { anyFilterText, fuzzParameters, fuzzRuns, scimFilter } from './support/hostile-arbitraries';

/**
 * Issue 8: generated filters, well formed, mangled and plain hostile text.
 * Every one is either SQL that both databases run, or a 400 invalidFilter;
 * no value ever reaches the SQL text (values travel only as parameters).
 */
function translateOrRefuse(text: string, dialect: FilterDialect) {
  try {
    return userFilterToSql(text, dialect);
  } catch (error) {
    if (!(error instanceof ScimError)) throw new Error(`not a ScimError for ${JSON.stringify(text)}: ${(error as Error)?.stack}`);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    return null;
  }
}

/** SQL text with its fixed literals removed: what is left must hold no quote, so nothing from the client is in it. */
const withoutFixedLiterals = (sql: string) => sql.replace(/ESCAPE '\\'/g, '').replace(/''/g, '');

describe('filter → SQL under generated input', () => {
  it.each(['sqlite', 'postgres'] as const)('given any filter text, when translated for %s, then SQL with parameters only, or 400 invalidFilter', (dialect) => {
    let accepted = 0;
    fc.assert(
      fc.property(anyFilterText, (text) => {
        const translated = translateOrRefuse(text, dialect);
        if (!translated) return;
        accepted++;
        expect(withoutFixedLiterals(translated.sql)).not.toMatch(/'/);
        for (const name of translated.sql.match(/:\w+/g) ?? []) expect(translated.params).toHaveProperty(name.slice(1));
      }),
      fuzzParameters(fuzzRuns(300)),
    );
    // The generator is not all garbage: a good share of the cases reach the translation.
    if (process.env.FUZZ_REPORT) process.stdout.write(`filter fuzz ${dialect}: ${accepted} accepted\n`);
    expect(accepted).toBeGreaterThan(0);
  });

  it('given a filter one character over the bound, then invalidFilter naming the bound', () => {
    const long = `userName eq "${'a'.repeat(MAX_FILTER_LENGTH)}"`;
    expect(() => userFilterToSql(long, 'sqlite')).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidFilter', detail: expect.stringContaining(String(MAX_FILTER_LENGTH)) }));
  });
});

interface ReadModelUnderTest {
  readonly dialect: FilterDialect;
  readonly dataSource: DataSource;
  discard(): Promise<void>;
}

async function readModel(dialect: FilterDialect): Promise<ReadModelUnderTest> {
  if (dialect === 'postgres') {
    const database = await createFreshPostgresDatabase('scim_ledger_fuzz_filter');
    const dataSource = await openReadModel({ type: 'postgres', url: database.url });
    return { dialect, dataSource, discard: async () => (await dataSource.destroy(), await database.drop()) };
  }
  const directory = mkdtempSync(join(tmpdir(), 'scim-fuzz-filter-'));
  const dataSource = await openReadModel({ type: 'sqlite', file: join(directory, 'read-model.sqlite') });
  return { dialect, dataSource, discard: async () => (await dataSource.destroy(), rmSync(directory, { recursive: true, force: true })) };
}

describe.each(['sqlite', 'postgres'] as const)('accepted filters on a real %s read model', (dialect) => {
  let model: ReadModelUnderTest;
  beforeAll(async () => {
    model = await readModel(dialect);
    const row: ScimUserRow = {
      id: 'u1', tenantId: 't1', userName: 'Ada@Example.com', userNameLower: 'ada@example.com', email: 'Ada@Example.com', emailLower: 'ada@example.com',
      displayName: 'Ada', givenName: 'Ada', familyName: null, externalId: 'ext', userPrincipalName: null, active: true, status: 'Active',
      preservedBy: null, deletedInIdp: false, createdAt: '2026-01-01T00:00:00.000Z', lastModified: '2026-01-01T00:00:00.000Z', revision: 0,
      preservedAt: null, provisionedBy: 'idp', mappingId: 'm', profileId: 'p', storageId: 's', quotaAmount: 0, quotaUnit: 'GB',
      sendActivationEmail: true, legalHold: false,
    };
    await model.dataSource.getRepository(ScimUserRow).insert(row);
  });
  afterAll(async () => {
    await model?.discard();
  });

  it('given any well-formed generated filter the translator accepts, when the database runs it, then it answers without an error', async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(scimFilter, async (text) => {
        const translated = translateOrRefuse(text, dialect);
        if (!translated) return;
        ran++;
        const count = await model.dataSource.getRepository(ScimUserRow).createQueryBuilder('u').where('u."tenantId" = :tenant', { tenant: 't1' }).andWhere(translated.sql, translated.params).getCount();
        expect(count === 0 || count === 1).toBe(true);
      }),
      fuzzParameters(fuzzRuns(200)),
    );
    if (process.env.FUZZ_REPORT) process.stdout.write(`filter fuzz on ${dialect}: ${ran} ran\n`);
    expect(ran).toBeGreaterThan(0);
  }, 600_000);
});
