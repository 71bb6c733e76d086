import { ApiCredentialRow, ScimMappingRow, ScimTokenRow } from '@scim-ledger/read-model';
import { OpenedReadModel, READ_MODEL_BACKENDS } from './testing/read-model-backends';
import { TenantsReadModel } from './tenants.read-model';

const NOW = '2026-03-01T09:00:00.000Z';
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const WINDOW = { after: NOW, atOrBefore: plus(NOW, 30 * 86_400_000) };

function token(tenantId: string, expiresAt: string): ScimTokenRow {
  return Object.assign(new ScimTokenRow(), {
    tokenHash: `${tenantId}`.padEnd(64, '0'),
    tokenId: `token-${tenantId}`,
    tenantId,
    createdAt: '2025-03-01T09:00:00.000Z',
    expiresAt,
    lastUsedAt: null,
  } satisfies ScimTokenRow);
}

function credential(id: string, tenantId: string, issuedAt: string): ApiCredentialRow {
  return Object.assign(new ApiCredentialRow(), {
    id,
    tenantId,
    clientId: `${tenantId}.${id}`,
    secretHash: 'f'.repeat(64),
    name: id,
    issuedAt,
    revokedAt: null,
  } satisfies ApiCredentialRow);
}

function mapping(id: string, position: number): ScimMappingRow {
  return Object.assign(new ScimMappingRow(), {
    id,
    tenantId: 'tenant-a',
    position,
    name: id,
    attribute: 'department',
    filterValues: '["x"]',
    profileId: 'profile-1',
    storageId: 'storage-1',
    quotaAmount: 1,
    quotaUnit: 'GB',
    sendActivationEmail: false,
  } satisfies ScimMappingRow);
}

describe.each(READ_MODEL_BACKENDS)('the tenants read model on %s', (_backend, open) => {
  let opened: OpenedReadModel;
  let tenants: TenantsReadModel;

  beforeAll(async () => {
    opened = await open('scim_ledger_tenants_read_model');
    tenants = new TenantsReadModel(opened.dataSource);
    await opened.dataSource
      .getRepository(ScimTokenRow)
      .insert([
        token('t-expires-now', NOW),
        token('t-just-inside', plus(NOW, 1)),
        token('t-last-instant', WINDOW.atOrBefore),
        token('t-just-outside', plus(WINDOW.atOrBefore, 1)),
        token('t-expired', plus(NOW, -86_400_000)),
        token('t-a-week-left', plus(NOW, 7 * 86_400_000)),
      ]);
    await opened.dataSource
      .getRepository(ApiCredentialRow)
      .insert([
        credential('later', 'tenant-a', '2026-02-01T00:00:00.000Z'),
        credential('first', 'tenant-a', '2026-01-01T00:00:00.000Z'),
        credential('other', 'tenant-b', NOW),
      ]);
    await opened.dataSource.getRepository(ScimMappingRow).insert([mapping('tried-second', 1), mapping('tried-first', 0), mapping('tried-third', 2)]);
  });
  afterAll(() => opened?.close());

  it('given tokens expiring around a window, when the tenants with a token expiring in it are asked, then after its start and up to its end inclusive, by tenant id', async () => {
    expect(await tenants.tenantsWithScimTokenExpiring(WINDOW)).toEqual(['t-a-week-left', 't-just-inside', 't-last-instant']);
  });

  it("given a token's hash, when looked up, then its row as stored; given an unknown hash, then none", async () => {
    expect(await tenants.scimTokenByHash(token('t-expired', '').tokenHash)).toEqual({ ...token('t-expired', plus(NOW, -86_400_000)) });
    expect(await tenants.scimTokenByHash('0'.repeat(64))).toBeUndefined();
  });

  it("given a tenant's credentials, when listed, then its own, oldest first; when one is looked up by client id, then it, whichever tenant asks", async () => {
    expect((await tenants.apiCredentials('tenant-a')).map((row) => row.id)).toEqual(['first', 'later']);
    expect(await tenants.apiCredentialByClientId('tenant-b.other')).toMatchObject({ id: 'other', tenantId: 'tenant-b', revokedAt: null });
    expect(await tenants.apiCredentialByClientId('tenant-b.nothing')).toBeNull();
  });

  it("given a tenant's SCIM mappings, when listed, then in the order they are tried (rule M3)", async () => {
    expect((await tenants.scimMappings('tenant-a')).map((row) => row.id)).toEqual(['tried-first', 'tried-second', 'tried-third']);
    expect(await tenants.scimMapping('tenant-b', 'tried-first')).toBeNull();
  });
});
