import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sha256Hex } from './secret-hash';

/** A new admin API credential (rule T4): its secret is shown once, only its hash is kept. */
export interface NewApiCredential {
  readonly credentialId: string;
  readonly clientId: string;
  readonly secret: string;
  readonly secretHash: string;
}

/**
 * A credential for `tenantId` with a random 256-bit secret; with a secret the
 * operator chose (SCIM_BOOTSTRAP_API_SECRET), its client id and credential id
 * come from the secret, so each start with the same secret names the same
 * credential and a new secret a new one (a client id is never reused).
 */
export function newApiCredential(tenantId: string, chosenSecret?: string): NewApiCredential {
  if (chosenSecret === undefined) {
    const secret = randomBytes(32).toString('base64url');
    return { credentialId: randomUUID(), clientId: `${tenantId}.${randomBytes(6).toString('hex')}`, secret, secretHash: sha256Hex(secret) };
  }
  const secretHash = sha256Hex(chosenSecret);
  const derived = createHash('sha256').update(`scim-ledger api credential\0${tenantId}\0${chosenSecret}`).digest('hex');
  return { credentialId: uuidShaped(derived), clientId: `${tenantId}.${derived.slice(0, 12)}`, secret: chosenSecret, secretHash };
}

function uuidShaped(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
