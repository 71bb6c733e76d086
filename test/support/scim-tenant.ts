import request from 'supertest';
import { TestApp } from './test-app';

export interface AdminCredential {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Where a tenant's users go, as the admin API takes it: storages, then profiles over them, then mappings in their order. */
export interface TenantPlacement {
  readonly storages: ReadonlyArray<{ readonly id: string; readonly name: string; readonly region: string }>;
  readonly profiles: ReadonlyArray<Record<string, unknown>>;
  readonly mappings: ReadonlyArray<Record<string, unknown>>;
}

/** One storage, one unlimited profile, a mapping that places every user there. */
export const PLACING_EVERYONE: TenantPlacement = {
  storages: [{ id: 'main', name: 'Main', region: 'local' }],
  profiles: [{ id: 'all', name: 'All', maxUsers: 0, storageIds: ['main'] }],
  mappings: [{ id: 'all', name: 'All', attribute: '*', values: '*', profileId: 'all', storageId: 'main', quota: { amount: 0, unit: 'GB' } }],
};

const NO_PLACEMENT: TenantPlacement = { storages: [], profiles: [], mappings: [] };

/** A tenant created by the operator through the admin API: the admin's first API credential. */
export async function createdTenant(t: TestApp, operatorToken: string, tenant: { readonly id: string; readonly name: string }): Promise<AdminCredential> {
  const created = succeeded(
    await request(t.http).post('/admin/v1/tenants').set('Authorization', `Bearer ${operatorToken}`).send(tenant),
    'create the tenant',
    201,
  );
  return created.body.apiCredential as AdminCredential;
}

/**
 * A tenant its admin switched to SCIM provisioning and set up with
 * `placement`, through the admin API, without a SCIM token yet: for suites
 * that generate tokens themselves. Every set-up request must succeed, so a
 * suite never runs on a tenant that is not what it says.
 */
export async function scimManagedTenant(
  t: TestApp,
  operatorToken: string,
  tenant: { readonly id: string; readonly name: string },
  placement: TenantPlacement = NO_PLACEMENT,
): Promise<AdminCredential> {
  const admin = await createdTenant(t, operatorToken, tenant);
  const switched = await request(t.http)
    .put(`/admin/v1/tenants/${tenant.id}/user-management`)
    .auth(admin.clientId, admin.clientSecret)
    .send({ method: 'scim' });
  succeeded(switched, 'switch to SCIM', 200);
  await addPlacement(t, tenant.id, admin, placement);
  return admin;
}

/** More storages, profiles and mappings (after the tenant's own, in this order), as its admin adds them; each must succeed. */
export async function addPlacement(t: TestApp, tenantId: string, admin: AdminCredential, placement: TenantPlacement): Promise<void> {
  const post = (url: string) => request(t.http).post(`/admin/v1/tenants/${tenantId}${url}`).auth(admin.clientId, admin.clientSecret);
  for (const storage of placement.storages) succeeded(await post('/storages').send(storage), `add storage ${storage.id}`, 201);
  for (const profile of placement.profiles) succeeded(await post('/profiles').send(profile), `add profile ${String(profile.id)}`, 201);
  for (const mapping of placement.mappings) succeeded(await post('/scim-mappings').send(mapping), `add mapping ${String(mapping.id)}`, 201);
}

/** A tenant set up as an admin would for SCIM (`scimManagedTenant`), with its SCIM token. */
export async function scimTenant(
  t: TestApp,
  operatorToken: string,
  tenant: { readonly id: string; readonly name: string },
  placement: TenantPlacement,
): Promise<{ admin: AdminCredential; token: string }> {
  const admin = await scimManagedTenant(t, operatorToken, tenant, placement);
  const generated = succeeded(
    await request(t.http).post(`/admin/v1/tenants/${tenant.id}/scim-token`).auth(admin.clientId, admin.clientSecret),
    'generate the SCIM token',
    201,
  );
  return { admin, token: generated.body.token as string };
}

/** A SCIM tenant that places every user in one storage and profile: for suites about what happens to users, not about placement. */
export function scimTenantPlacingEveryone(
  t: TestApp,
  operatorToken: string,
  tenant: { readonly id: string; readonly name: string },
): Promise<{ admin: AdminCredential; token: string }> {
  return scimTenant(t, operatorToken, tenant, PLACING_EVERYONE);
}

function succeeded<R extends { status: number; body: unknown }>(response: R, what: string, status: number): R {
  if (response.status !== status) throw new Error(`setting the tenant up failed to ${what}: ${response.status} ${JSON.stringify(response.body)}`);
  return response;
}
