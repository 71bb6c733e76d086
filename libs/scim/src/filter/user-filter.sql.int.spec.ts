import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReadModel, ScimUserRow } from '@scim-ledger/read-model';
import type { DataSource } from 'typeorm';
import { createFreshPostgresDatabase } from '../../../event-store/src/postgres/fresh-postgres-database';
import { scimUserRow } from '../../../read-model/src/testing/scim-user-row';
import { userFilterToSql, userSortColumn, type FilterDialect } from './user-filter.sql';

/** A read model of its own on a real database, and how to throw it away. */
interface ReadModelUnderTest {
  readonly dataSource: DataSource;
  discard(): Promise<void>;
}

async function sqliteReadModel(): Promise<ReadModelUnderTest> {
  const directory = mkdtempSync(join(tmpdir(), 'scim-user-filter-'));
  const dataSource = await openReadModel({ type: 'sqlite', file: join(directory, 'read-model.sqlite') });
  return {
    dataSource,
    discard: async () => {
      await dataSource.destroy();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function postgresReadModel(): Promise<ReadModelUnderTest> {
  const database = await createFreshPostgresDatabase('scim_ledger_user_filter');
  const dataSource = await openReadModel({ type: 'postgres', url: database.url });
  return {
    dataSource,
    discard: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}

/** A row as the users projection writes it; an inactive one is preserved by the IdP, as a deactivation leaves it. */
function user(id: string, tenantId: string, fields: Partial<ScimUserRow> & Pick<ScimUserRow, 'userName' | 'displayName' | 'createdAt'>): ScimUserRow {
  const preserved = fields.active === false ? ({ status: 'Preserved', preservedBy: 'idp' } as const) : {};
  return scimUserRow({ id, tenantId, revision: 1, ...preserved, ...fields });
}

const T1 = 'tenant-1';
const T2 = 'tenant-2';

const USERS: ScimUserRow[] = [
  user('u01', T1, {
    userName: 'Ada.Lovelace@Example.com',
    displayName: 'Ada Lovelace',
    givenName: 'Ada',
    familyName: 'Lovelace',
    externalId: 'ext-ADA',
    userPrincipalName: 'ada@corp.example',
    // Kept attributes (rule A1), as the users projection writes them from UserCreated.
    attributes: JSON.stringify({
      title: 'Countess',
      nickName: 'Ada',
      name: { formatted: 'Ada King, Countess of Lovelace', middleName: 'Augusta' },
      emails: [
        { value: 'Ada.Lovelace@Example.com', type: 'work', primary: true },
        { value: 'ada@home.example', type: 'home' },
      ],
      phoneNumbers: [{ value: '+44 20 1234', type: 'work' }],
      roles: [{ value: 'analyst' }],
      addresses: [{ locality: 'London', country: 'GB', type: 'work', primary: true }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Analytical Engines', employeeNumber: '1815', manager: { value: 'u03' } },
    }),
    createdAt: '2026-01-01T08:00:00.000Z',
    lastModified: '2026-01-05T00:00:00.000Z',
  }),
  user('u02', T1, {
    userName: 'grace@example.com',
    displayName: 'Grace Hopper',
    givenName: 'Grace',
    familyName: 'Hopper',
    externalId: 'ext-grace',
    active: false,
    createdAt: '2026-01-02T08:00:00.000Z',
  }),
  user('u03', T1, {
    userName: 'alan@example.org',
    displayName: 'alan turing',
    familyName: 'Turing',
    createdAt: '2026-01-03T08:00:00.000Z',
    lastModified: '2026-02-01T12:30:00.123Z',
  }),
  user('u04', T1, {
    userName: 'LINUS@example.com',
    displayName: 'Linus Torvalds',
    givenName: 'Linus',
    externalId: 'EXT-linus',
    userPrincipalName: 'Linus@Corp.example',
    attributes: JSON.stringify({
      title: 'Kernel Hacker',
      roles: [{ value: 'Benevolent' }],
      addresses: [
        { locality: 'Lyon', type: 'home' },
        { locality: 'Helsinki', type: 'work' },
      ],
      phoneNumbers: [
        { value: '+358 2', type: 'work' },
        { value: '+358 1', type: 'mobile', primary: true },
      ],
    }),
    createdAt: '2026-01-04T08:00:00.000Z',
  }),
  user('u05', T1, {
    userName: 'percent%user@example.com',
    displayName: '100% Sure_Thing',
    externalId: 'a_b',
    active: false,
    createdAt: '2026-01-05T08:00:00.000Z',
    lastModified: '2026-01-06T00:00:00.000Z',
  }),
  user('u06', T1, {
    userName: 'barbara@example.net',
    email: 'b.liskov@Mail.example',
    displayName: 'Barbara Liskov',
    givenName: 'Barbara',
    familyName: 'Liskov',
    externalId: 'ext-ada',
    createdAt: '2026-01-06T08:00:00.000Z',
    lastModified: '2026-01-07T00:00:00.000Z',
  }),
  user('u07', T1, {
    userName: 'edith@example.com',
    displayName: 'Édith Piaf',
    givenName: 'Édith',
    familyName: 'Piaf',
    createdAt: '2026-01-07T08:00:00.000Z',
  }),
  user('u08', T1, {
    userName: 'nobody@example.com',
    displayName: '',
    givenName: '',
    externalId: 'CONTOSO\\nobody',
    active: false,
    createdAt: '2026-01-08T08:00:00.000Z',
  }),
  // The same names in another tenant: never visible from tenant-1.
  user('u09', T2, {
    userName: 'ada.lovelace@example.com',
    displayName: 'Ada Twin',
    givenName: 'Ada',
    familyName: 'Lovelace',
    externalId: 'ext-ADA',
    createdAt: '2026-01-01T08:00:00.000Z',
  }),
  user('u10', T2, { userName: 'grace@example.com', displayName: 'Grace Two', active: false, createdAt: '2026-01-02T08:00:00.000Z' }),
];

const ALL = ['u01', 'u02', 'u03', 'u04', 'u05', 'u06', 'u07', 'u08'];
const except = (...ids: string[]) => ALL.filter((id) => !ids.includes(id));

/** [filter, ids of tenant-1 it matches]; the same table runs on every database. */
const FILTERS: ReadonlyArray<readonly [string, readonly string[]]> = [
  // userName: case-insensitive (RFC 7643 §4.1.1), on the indexed lower-cased copy.
  ['userName eq "ada.lovelace@example.com"', ['u01']],
  ['USERNAME Eq "GRACE@EXAMPLE.COM"', ['u02']],
  ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alan@example.org"', ['u03']],
  ['userName ne "grace@example.com"', except('u02')],
  ['userName co "%"', ['u05']],
  ['userName sw "LI"', ['u04']],
  ['userName ew ".ORG"', ['u03']],
  ['userName gt "m"', ['u05', 'u08']],
  ['USERNAME EQ "grace@example.com" OR Active Eq "False"', ['u02', 'u05', 'u08']],
  // displayName and name.*: case-insensitive, nullable, empty counts as absent.
  ['displayName eq "ada lovelace"', ['u01']],
  ['displayName eq "Édith Piaf"', ['u07']],
  ['displayName co "_"', ['u05']],
  ['displayName sw "100%"', ['u05']],
  ['displayName pr', except('u08')],
  ['displayName eq null', ['u08']],
  ['name.givenName pr', ['u01', 'u02', 'u04', 'u06', 'u07']],
  ['not (name.givenName pr)', ['u03', 'u05', 'u08']],
  ['name.givenName ne "ada"', except('u01')],
  ['name.givenName gt "b"', ['u02', 'u04', 'u06', 'u07']],
  ['name.familyName eq "TURING"', ['u03']],
  ['name pr', ['u01', 'u02', 'u03', 'u04', 'u06', 'u07']],
  // externalId and id: case-exact (RFC 7643 §3.1); absent externalId is "not equal".
  ['externalId eq "ext-ada"', ['u06']],
  ['externalId eq "ext-ADA"', ['u01']],
  ['externalId ne "ext-ada"', except('u06')],
  ['externalId sw "ext-"', ['u01', 'u02', 'u06']],
  ['externalId co "_"', ['u05']],
  ['externalId ew "DA"', ['u01']],
  ['externalId eq null', ['u03', 'u07']],
  ['externalId eq "CONTOSO\\\\nobody"', ['u08']],
  ['id eq "u03"', ['u03']],
  ['id sw "u0" and id ew "7"', ['u07']],
  // active: a boolean, also as Entra's strings.
  ['active eq true', ['u01', 'u03', 'u04', 'u06', 'u07']],
  ['active eq "False"', ['u02', 'u05', 'u08']],
  ['active ne "TRUE"', ['u02', 'u05', 'u08']],
  // emails: one primary work email per user.
  ['emails eq "B.LISKOV@mail.example"', ['u06']],
  ['emails.value ew "@example.com"', ['u01', 'u02', 'u04', 'u05', 'u07', 'u08']],
  ['emails[type eq "work"].value eq "b.liskov@mail.example"', ['u06']],
  ['emails[type eq "work"].value co "LISKOV"', ['u06']],
  ['emails[type eq "work" and primary eq true]', ALL],
  ['emails[type eq "home"]', ['u01']],
  // Every email is kept (rule A1): a value path needs one value to meet all of it.
  ['emails[type eq "home"].value eq "ADA@home.example"', ['u01']],
  ['emails[type eq "work"].value eq "ada@home.example"', []],
  ['emails eq "ada@home.example"', ['u01']],
  ['emails[value co "example.org" or value sw "b."]', ['u03', 'u06']],
  ['emails.primary eq false', []],
  // meta: instants compared in stored UTC form.
  ['meta.created gt "2026-01-05T08:00:00Z"', ['u06', 'u07', 'u08']],
  ['meta.created ge "2026-01-05T08:00:00.000Z"', ['u05', 'u06', 'u07', 'u08']],
  ['meta.lastModified gt "2026-01-31"', ['u03']],
  ['meta.lastModified lt "2026-01-05T02:00:00+02:00"', ['u02', 'u04']],
  ['meta.lastModified le "2026-01-05T02:00:00+02:00"', ['u01', 'u02', 'u04']],
  ['meta.resourceType eq "User"', ALL],
  // Druva extension (rule A2).
  ['urn:ietf:params:scim:schemas:extension:Druva:2.0:User:userPrincipalName eq "LINUS@corp.EXAMPLE"', ['u04']],
  ['urn:ietf:params:scim:schemas:extension:druva:2.0:user:userprincipalname pr', ['u01', 'u04']],
  // Kept attributes (rule A1), in the attribute document: absent is null.
  ['title eq "countess"', ['u01']],
  ['title pr', ['u01', 'u04']],
  ['title ne "Countess"', except('u01')],
  ['title sw "KERNEL"', ['u04']],
  ['nickName eq "Ada"', ['u01']],
  ['name.formatted co "countess"', ['u01']],
  ['name.middleName eq "augusta"', ['u01']],
  ['addresses[locality eq "Lyon"]', ['u04']],
  ['addresses[locality eq "lyon" and type eq "work"]', []],
  ['addresses.locality eq "Helsinki"', ['u04']],
  ['addresses[type eq "work" and primary eq true]', ['u01']],
  ['phoneNumbers pr', ['u01', 'u04']],
  ['not (phoneNumbers pr)', except('u01', 'u04')],
  ['phoneNumbers[type eq "mobile" and primary eq true]', ['u04']],
  ['phoneNumbers.value sw "+358"', ['u04']],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr', ['u01']],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "analytical engines"', ['u01']],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "u03"', ['u01']],
  // manager.value is case-exact (RFC 7643 §4.3); Entra ID names it bare (its SCIM compatibility notes).
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "U03"', []],
  ['manager eq "u03"', ['u01']],
  ['manager.value eq "u03"', ['u01']],
  // Groups are read-only and no user has one yet (issue 19).
  ['groups[type eq "direct"]', []],
  ['ims pr', []],
  // and, or, not, parentheses.
  ['userName sw "a" and active eq true', ['u01', 'u03']],
  ['active eq false or name.familyName eq "piaf"', ['u02', 'u05', 'u07', 'u08']],
  ['userName sw "a" and (active eq false or externalId pr)', ['u01']],
  ['(userName sw "a" and active eq false) or externalId pr', ['u01', 'u02', 'u04', 'u05', 'u06', 'u08']],
  ['not (userName sw "a" or userName sw "g")', ['u04', 'u05', 'u06', 'u07', 'u08']],
  ['not (externalId eq "ext-grace") and not (active eq true)', ['u05', 'u08']],
];

describe.each([
  ['sqlite', sqliteReadModel],
  ['postgres', postgresReadModel],
] as const)('userFilterToSql on %s', (dialect: FilterDialect, open: () => Promise<ReadModelUnderTest>) => {
  let readModel: ReadModelUnderTest;

  beforeAll(async () => {
    readModel = await open();
    await readModel.dataSource.getRepository(ScimUserRow).insert(USERS);
  });

  afterAll(async () => {
    await readModel?.discard();
  });

  const matching = async (tenant: string, filter: string): Promise<string[]> => {
    const { sql, params } = userFilterToSql(filter, dialect);
    const rows = await readModel.dataSource
      .getRepository(ScimUserRow)
      .createQueryBuilder('u')
      .select('u.id', 'id')
      .where('u."tenantId" = :tenant', { tenant })
      .andWhere(sql, params)
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id).sort();
  };

  it.each(FILTERS)('given the users, when filtered by %s, then exactly %j match', async (filter, expected) => {
    expect(await matching(T1, filter)).toEqual([...expected].sort());
  });

  it("given the same userName in two tenants, when filtered, then only the asked tenant's user matches", async () => {
    expect(await matching(T2, 'userName eq "Ada.Lovelace@example.com"')).toEqual(['u09']);
  });

  it('given sortBy=userName, when ordered by its column, then users sort case-insensitively', async () => {
    const rows = await readModel.dataSource
      .getRepository(ScimUserRow)
      .createQueryBuilder('u')
      .select('u.id', 'id')
      .where('u."tenantId" = :tenant', { tenant: T1 })
      .orderBy(userSortColumn('userName', dialect), 'ASC')
      .getRawMany<{ id: string }>();
    expect(rows.map((r) => r.id)).toEqual(['u01', 'u03', 'u06', 'u07', 'u02', 'u04', 'u08', 'u05']);
  });

  it.each([
    ['title', ['u01', 'u04']],
    // A multi-valued attribute sorts by its primary value, else its first (RFC 7644 §3.4.2.3): Linus's primary is +358 1.
    ['phoneNumbers', ['u04', 'u01']],
    // A sub-attribute sorts by itself of the primary value, else the first: London (Ada's primary address), Lyon.
    ['addresses.locality', ['u01', 'u04']],
    // Case-insensitively, as roles.value is (RFC 7644 §3.4.2.3): "analyst" before "Benevolent", though "B" < "a" in code points.
    ['roles', ['u01', 'u04']],
  ])('given sortBy=%s, a kept attribute, when the users that have it are ordered, then %j', async (sortBy, expected) => {
    const { sql, params } = userFilterToSql(`${sortBy.split('.')[0]} pr`, dialect);
    const rows = await readModel.dataSource
      .getRepository(ScimUserRow)
      .createQueryBuilder('u')
      .select('u.id', 'id')
      .where('u."tenantId" = :tenant', { tenant: T1 })
      .andWhere(sql, params)
      .orderBy(userSortColumn(sortBy, dialect), 'ASC')
      .getRawMany<{ id: string }>();
    expect(rows.map((r) => r.id)).toEqual(expected);
  });

  it('given sortBy=displayName and a filter, when a page of entities is read, then the LOWER() expression orders it', async () => {
    const { sql, params } = userFilterToSql('displayName ne "Grace Hopper"', dialect);
    const page = await readModel.dataSource
      .getRepository(ScimUserRow)
      .createQueryBuilder('u')
      .where('u."tenantId" = :tenant', { tenant: T1 })
      .andWhere(`(${sql})`, params)
      .orderBy(userSortColumn('displayName', dialect), 'ASC')
      .addOrderBy('u.id', 'ASC')
      .offset(1)
      .limit(3)
      .getMany();
    expect(page.map((u) => u.id)).toEqual(['u05', 'u01', 'u03']);
  });
});
