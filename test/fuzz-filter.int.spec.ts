import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { openReadModel, ScimUserRow } from '@scim-ledger/read-model';
import { MAX_FILTER_LENGTH, ScimError, userFilterToSql, type FilterDialect, type UserFilterSql } from '@scim-ledger/scim';
import { createFreshPostgresDatabase } from '../libs/event-store/src/postgres/fresh-postgres-database';
import { scimUserRow } from '../libs/read-model/src/testing/scim-user-row';
import { FuzzShares } from './support/fuzz-shares';
import { FILTER_DATES, FILTER_TEXTS, filterCase, fuzzParameters, fuzzRuns, fuzzTimeout, storedColumnsFilter } from './support/hostile-arbitraries';

/**
 * Issue 8: generated filters, valid ones and ones with junk at one level.
 * Every one is either SQL that both databases run, or a 400 invalidFilter;
 * no value ever reaches the SQL text (values travel only as parameters).
 * Issue 17, item 3: the shares of cases that parse and hold value paths,
 * and/or and not are printed and have minimums, and SQLite and PostgreSQL
 * must pick the same users for the same filter.
 */
function translateOrRefuse(text: string, dialect: FilterDialect): UserFilterSql | null {
  try {
    return userFilterToSql(text, dialect);
  } catch (error) {
    if (!(error instanceof ScimError)) throw new Error(`not a ScimError for ${JSON.stringify(text)}: ${(error as Error)?.stack}`);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    return null;
  }
}

/**
 * SQL text with its fixed literals removed: what is left must hold no quote, so nothing from the client is in it.
 * Fixed: LIKE's escape, '', PostgreSQL's ::jsonb, and the attribute document's paths and derived email (never a client's text).
 */
const withoutFixedLiterals = (sql: string) =>
  sql
    .replace(/ESCAPE '\\'/g, '')
    .replace(/''/g, '')
    .replace(/::jsonb/g, '')
    .replace(/'\$(\."[\w$:.]+")+'/g, '')
    .replace(/'\{"[\w$:.]+"(,"[\w$:.]+")*\}'/g, '')
    .replace(/'(value|type|work|primary|array|true)'/g, '');

const TRANSLATION_RUNS = fuzzRuns(1000);
const DIFFERENTIAL_RUNS = fuzzRuns(400);

describe('filter → SQL under generated input', () => {
  it.each(['sqlite', 'postgres'] as const)(
    'given any filter text, when translated for %s, then SQL with parameters only, or 400 invalidFilter; most cases parse and reach value paths, and/or and not',
    (dialect) => {
      const shares = new FuzzShares(`fuzz-filter (translation, ${dialect})`);
      fc.assert(
        fc.property(filterCase, (filter) => {
          const translated = translateOrRefuse(filter.text, dialect);
          const structured = translated !== null && filter.junk !== 'structure' && filter.junk !== 'text';
          shares.count(
            translated && 'parse',
            structured && filter.valuePath && 'value paths',
            structured && filter.junction && 'and/or',
            structured && filter.not && 'not',
            translated && filter.junk === 'leaf' && 'parse with a hostile leaf',
            structured && filter.leaves === 1 && /\spr$/i.test(filter.text) && 'bare pr',
            `junk: ${filter.junk}`,
          );
          if (!translated) return;
          expect(withoutFixedLiterals(translated.sql)).not.toMatch(/'/);
          for (const name of withoutFixedLiterals(translated.sql).match(/:\w+/g) ?? []) expect(translated.params).toHaveProperty(name.slice(1));
        }),
        fuzzParameters(TRANSLATION_RUNS),
      );
      expect(shares.report({ parse: 0.4, 'value paths': 0.1, 'and/or': 0.15, not: 0.05, 'parse with a hostile leaf': 0.03 })).toEqual([]);
    },
    fuzzTimeout(TRANSLATION_RUNS, 10),
  );

  it('given a filter one character over the bound, then invalidFilter naming the bound', () => {
    const long = `userName eq "${'a'.repeat(MAX_FILTER_LENGTH)}"`;
    expect(() => userFilterToSql(long, 'sqlite')).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidFilter', detail: expect.stringContaining(String(MAX_FILTER_LENGTH)) }),
    );
  });
});

interface ReadModelUnderTest {
  readonly dataSource: DataSource;
  discard(): Promise<void>;
}

async function readModel(dialect: FilterDialect): Promise<ReadModelUnderTest> {
  if (dialect === 'postgres') {
    // In the server's default collation: an ICU one also changes lower() (final sigma), which SQLite's simple mapping does not
    // follow (see the README's "Filters"); user-filter.collation.int.spec.ts pins the binary order on an ICU database.
    const database = await createFreshPostgresDatabase('scim_ledger_fuzz_filter');
    const dataSource = await openReadModel({ type: 'postgres', url: database.url });
    return { dataSource, discard: async () => (await dataSource.destroy(), await database.drop()) };
  }
  const directory = mkdtempSync(join(tmpdir(), 'scim-fuzz-filter-'));
  const dataSource = await openReadModel({ type: 'sqlite', file: join(directory, 'read-model.sqlite') });
  return { dataSource, discard: async () => (await dataSource.destroy(), rmSync(directory, { recursive: true, force: true })) };
}

/** What a generated user holds: the texts and dates the filters compare with, so some match and some do not. */
const ADDRESSES = ['ada@example.com', 'Ada@Example.com', 'ADA@EXAMPLE.COM', 'bob@example.com', 'ß@example.com', 'e%_x@example.com', 'lovelace@ada.example'];
const text = fc.constantFrom(...FILTER_TEXTS);
/** externalId is case-exact: values that one text starts, ends, contains, or matches in another case only, so sw, ew, co and eq pick differently. */
const EXTERNAL_IDS = ['ext-1', 'EXT-1', 'ext-2', '', 'ada-ext', 'ext-Ada', 'e', 'E', '%ada_'];
/**
 * A comparison of a case-exact attribute with a text from the same pool: in the
 * mixed generators it is about one leaf in 200, too rare to catch a dialect
 * answering a case-exact `ew` as `co` (the attack on issue 17 planted exactly that).
 */
const caseExactFilter = fc
  .tuple(
    fc.constantFrom('externalId', 'EXTERNALID'),
    fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'),
    fc.constantFrom(...EXTERNAL_IDS, 'ada', 'Ada', 'ext', 'EXT', '1', '-'),
  )
  .map(([attribute, op, value]) => ({ text: `${attribute} ${op} ${JSON.stringify(value)}`, caseExact: true }));
const generatedUser = fc.record({
  userName: fc.constantFrom(...ADDRESSES),
  email: fc.option(fc.constantFrom(...ADDRESSES), { nil: undefined }),
  displayName: text,
  givenName: fc.option(text, { nil: null }),
  familyName: fc.option(text, { nil: null }),
  externalId: fc.option(fc.constantFrom(...EXTERNAL_IDS), { nil: null }),
  userPrincipalName: fc.option(fc.constantFrom(...ADDRESSES), { nil: null }),
  active: fc.boolean(),
  createdAt: fc.constantFrom(...FILTER_DATES),
  lastModified: fc.constantFrom(...FILTER_DATES),
});

function rowOf(user: typeof generatedUser extends fc.Arbitrary<infer U> ? U : never, tenantId: string, id: string): ScimUserRow {
  return scimUserRow({
    ...user,
    id,
    tenantId,
    mappingId: 'm',
    profileId: 'p',
    storageId: 's',
    quotaAmount: 0,
    quotaUnit: 'GB',
    sendActivationEmail: true,
  });
}

describe('the same filter on SQLite and PostgreSQL', () => {
  const models: Partial<Record<FilterDialect, ReadModelUnderTest>> = {};
  beforeAll(async () => {
    models.sqlite = await readModel('sqlite');
    models.postgres = await readModel('postgres');
  }, 60_000);
  afterAll(async () => {
    await models.sqlite?.discard();
    await models.postgres?.discard();
  });

  async function matchingIds(dialect: FilterDialect, tenantId: string, translated: UserFilterSql): Promise<string[]> {
    const rows = await models[dialect]!.dataSource.getRepository(ScimUserRow)
      .createQueryBuilder('u')
      .select('u.id')
      .where('u."tenantId" = :tenant', { tenant: tenantId })
      .andWhere(translated.sql, translated.params)
      .getMany();
    return rows.map((row) => row.id).sort();
  }

  it(
    'given generated users and a generated filter, when both databases run it, then they answer with the same users',
    async () => {
      const shares = new FuzzShares('fuzz-filter (SQLite = PostgreSQL)');
      let tenant = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            { weight: 3, arbitrary: storedColumnsFilter },
            { weight: 2, arbitrary: filterCase.filter((filter) => filter.junk === 'none' || filter.junk === 'leaf') },
            { weight: 1, arbitrary: caseExactFilter },
          ),
          fc.array(generatedUser, { minLength: 3, maxLength: 8 }),
          async (filter, users) => {
            const onSqlite = translateOrRefuse(filter.text, 'sqlite');
            const onPostgres = translateOrRefuse(filter.text, 'postgres');
            // The dialects differ only in how they say it: a filter one refuses, both refuse.
            expect([filter.text, onPostgres === null]).toEqual([filter.text, onSqlite === null]);
            if (!onSqlite || !onPostgres) return shares.count('refused by both');
            const tenantId = `t${tenant++}`;
            const rows = users.map((user, i) => rowOf(user, tenantId, `${tenantId}-u${i}`));
            await models.sqlite!.dataSource.getRepository(ScimUserRow).insert(rows);
            await models.postgres!.dataSource.getRepository(ScimUserRow).insert(rows);
            const [sqlite, postgres] = [await matchingIds('sqlite', tenantId, onSqlite), await matchingIds('postgres', tenantId, onPostgres)];
            shares.count(
              'ran on both',
              sqlite.length > 0 && sqlite.length < rows.length && 'picked some users but not all',
              sqlite.length === 0 && 'picked none',
              sqlite.length === rows.length && 'picked all',
              'caseExact' in filter && 'case-exact',
              'caseExact' in filter && sqlite.length > 0 && sqlite.length < rows.length && 'case-exact picked some users but not all',
            );
            expect({ filter: filter.text, users, postgres }).toEqual({ filter: filter.text, users, postgres: sqlite });
          },
        ),
        fuzzParameters(DIFFERENTIAL_RUNS),
      );
      // A filter that picks no one or everyone cannot tell two databases apart.
      expect(shares.report({ 'ran on both': 0.5, 'picked some users but not all': 0.15, 'case-exact picked some users but not all': 0.05 })).toEqual([]);
    },
    fuzzTimeout(DIFFERENTIAL_RUNS, 100),
  );

  // Found by the property above (FUZZ_RUNS=3000, seed -1899557633: `name.givenName lt "İ"` over a givenName "work"):
  // SQLite's LOWER maps ASCII only, so the two databases answered non-ASCII capitals differently until both
  // lower-cased by the same mapping (simpleLowerCase, registered on every SQLite connection).
  it('given a user named "émile", when filtered by displayName eq "ÉMILE", then SQLite finds them as PostgreSQL does', async () => {
    const tenantId = 'non-ascii-capital';
    const user = {
      userName: 'emile@example.com',
      email: undefined,
      displayName: 'émile',
      givenName: null,
      familyName: null,
      externalId: null,
      userPrincipalName: null,
      active: true,
      createdAt: FILTER_DATES[0],
      lastModified: FILTER_DATES[0],
    };
    const rows = [rowOf(user, tenantId, `${tenantId}-u0`)];
    await models.sqlite!.dataSource.getRepository(ScimUserRow).insert(rows);
    await models.postgres!.dataSource.getRepository(ScimUserRow).insert(rows);
    const filter = 'displayName eq "ÉMILE"';
    expect(await matchingIds('postgres', tenantId, userFilterToSql(filter, 'postgres'))).toEqual([`${tenantId}-u0`]);
    expect(await matchingIds('sqlite', tenantId, userFilterToSql(filter, 'sqlite'))).toEqual([`${tenantId}-u0`]);
  });
});
