import request from 'supertest';
import { TestApp } from './test-app';

/**
 * A tenant set up as an admin would for SCIM, through the admin API: one
 * storage, one unlimited profile, a mapping that places every user there, and
 * a SCIM token. For suites about what happens to users, not about placement.
 */
export async function scimTenantPlacingEveryone(
  t: TestApp,
  operatorToken: string,
  tenant: { readonly id: string; readonly name: string },
): Promise<{ admin: { clientId: string; clientSecret: string }; token: string }> {
  const created = await request(t.http).post('/admin/v1/tenants').set('Authorization', `Bearer ${operatorToken}`).send(tenant);
  const admin = created.body.apiCredential as { clientId: string; clientSecret: string };
  const as = (method: 'post' | 'put', url: string) => request(t.http)[method](`/admin/v1/tenants/${tenant.id}${url}`).auth(admin.clientId, admin.clientSecret);
  await as('put', '/user-management').send({ method: 'scim' });
  await as('post', '/storages').send({ id: 'main', name: 'Main', region: 'local' });
  await as('post', '/profiles').send({ id: 'all', name: 'All', maxUsers: 0, storageIds: ['main'] });
  await as('post', '/scim-mappings').send({
    id: 'all',
    name: 'All',
    attribute: '*',
    values: '*',
    profileId: 'all',
    storageId: 'main',
    quota: { amount: 0, unit: 'GB' },
  });
  const token = (await as('post', '/scim-token')).body.token as string;
  return { admin, token };
}
