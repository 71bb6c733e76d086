import { randomBytes } from 'node:crypto';
import { BenchTenant } from './seed';

/** The operator token the bench starts the api with (ADMIN_OPERATOR_TOKEN). */
export const OPERATOR_TOKEN = `bench-operator-${randomBytes(12).toString('hex')}`;

async function json(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/**
 * Tenants made the way an operator and an admin do: tenant, SCIM as user
 * management, a storage, an unlimited profile and a catch-all SCIM mapping
 * (without one, every create is refused: rule M4), and a SCIM token.
 */
export async function createTenants(baseUrl: string, count: number, prefix = 'bench'): Promise<BenchTenant[]> {
  const tenants: BenchTenant[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    const created = await json(`${baseUrl}/admin/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, name: `Bench tenant ${i}` }),
    });
    const credential = created.apiCredential as { clientId: string; clientSecret: string };
    const basic = `Basic ${Buffer.from(`${credential.clientId}:${credential.clientSecret}`).toString('base64')}`;
    await json(`${baseUrl}/admin/v1/tenants/${id}/user-management`, {
      method: 'PUT',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'scim' }),
    });
    const admin = (path: string, body: unknown) =>
      json(`${baseUrl}/admin/v1/tenants/${id}/${path}`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await admin('storages', { id: 'main', name: 'Main', region: 'local' });
    await admin('profiles', { id: 'all', name: 'All users', maxUsers: 0, storageIds: ['main'] });
    await admin('scim-mappings', {
      id: 'all',
      name: 'All users',
      attribute: '*',
      values: '*',
      profileId: 'all',
      storageId: 'main',
      quota: { amount: 0, unit: 'GB' },
    });
    const token = await json(`${baseUrl}/admin/v1/tenants/${id}/scim-token`, { method: 'POST', headers: { authorization: basic } });
    tenants.push({ id, token: token.token as string });
  }
  return tenants;
}
