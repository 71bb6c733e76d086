import { ApiCredentialIssued, ApiCredentialRevoked, TenantEvent } from './tenant.events';
import { instant } from './instants';
import { required, requiredName, SHA256_HEX } from './tenant-refusal';
import { DomainRefused } from '../domain-refused';
import { AdminApiCredential, Tenant } from './tenant.state';

/**
 * Rule T4: client ids and secrets for the tenant's admin API, listed beside
 * (never as) the SCIM token. `reason` says why the operator issued one into
 * the tenant (a recovery credential): the audit trail shows who and why.
 */
export type ApiCredentialCommand =
  | {
      readonly type: 'IssueApiCredential';
      readonly data: { credentialId: string; clientId: string; secretHash: string; name: string; now: string; reason?: string | null };
    }
  | { readonly type: 'RevokeApiCredential'; readonly data: { credentialId: string; now: string } };

export type ApiCredentialEvent = ApiCredentialIssued | ApiCredentialRevoked;

/** Controls (line breaks included) and the bidi marks, embeddings, overrides and isolates (Unicode UAX #9). */
const STEERING = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

export function decideApiCredentials(command: ApiCredentialCommand, tenant: Tenant): TenantEvent[] {
  switch (command.type) {
    case 'IssueApiCredential':
      return issueApiCredential(tenant, command.data);
    case 'RevokeApiCredential': {
      const revokedAt = instant(command.data.now);
      // Only admin credentials: the SCIM entry is not one (rule T4).
      const credential = adminCredentials(tenant).find((c) => c.credentialId === command.data.credentialId);
      if (!credential) throw new DomainRefused('UnknownApiCredential', `no API credential ${command.data.credentialId}`);
      if (credential.revokedAt !== null) return [];
      return [{ type: 'ApiCredentialRevoked', data: { credentialId: credential.credentialId, revokedAt } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolveApiCredentials(tenant: Tenant, event: ApiCredentialEvent): Tenant {
  switch (event.type) {
    case 'ApiCredentialIssued':
      return { ...tenant, apiCredentials: [...tenant.apiCredentials, { kind: 'admin', ...event.data, revokedAt: null }] };
    case 'ApiCredentialRevoked':
      return {
        ...tenant,
        apiCredentials: tenant.apiCredentials.map((entry) =>
          entry.kind === 'admin' && entry.credentialId === event.data.credentialId ? { ...entry, revokedAt: event.data.revokedAt } : entry,
        ),
      };
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

function issueApiCredential(
  tenant: Tenant,
  data: { credentialId: string; clientId: string; secretHash: string; name: string; now: string; reason?: string | null },
): TenantEvent[] {
  const credentialId = required(data.credentialId, 'InvalidApiCredential', 'credentialId');
  if (!/^\S+$/.test(data.clientId)) throw new DomainRefused('InvalidApiCredential', 'clientId must be non-empty, without spaces');
  if (!SHA256_HEX.test(data.secretHash)) {
    throw new DomainRefused('InvalidApiCredential', 'secretHash must be a lower-case SHA-256 hex digest');
  }
  const name = requiredName(data.name, 'InvalidApiCredential', 'credential name');
  const issuedAt = instant(data.now);
  const reason = data.reason === undefined || data.reason === null ? null : requiredName(data.reason, 'InvalidApiCredential', 'the reason for this credential');
  // The reason is read in the audit trail, a CSV export and a terminal: no control or direction-changing character (the attack on issue 20).
  if (reason !== null && STEERING.test(reason)) {
    throw new DomainRefused('InvalidApiCredential', 'the reason may not contain control characters or bidirectional formatting');
  }
  const issued = { credentialId, clientId: data.clientId, secretHash: data.secretHash, name, issuedAt, reason };
  const credentials = adminCredentials(tenant);
  const known = credentials.find((c) => c.credentialId === credentialId);
  if (known) {
    const same =
      known.clientId === issued.clientId &&
      known.secretHash === issued.secretHash &&
      known.name === name &&
      known.issuedAt === issuedAt &&
      known.reason === reason;
    if (same) return [];
    throw new DomainRefused('ApiCredentialAlreadyExists', `API credential ${credentialId} already exists`);
  }
  // A client id is never reused, not even after revocation, so logs stay unambiguous.
  if (credentials.some((c) => c.clientId === issued.clientId)) {
    throw new DomainRefused('ClientIdTaken', `client id ${issued.clientId} is already used`);
  }
  return [{ type: 'ApiCredentialIssued', data: issued }];
}

function adminCredentials(tenant: Tenant): AdminApiCredential[] {
  return tenant.apiCredentials.filter((entry): entry is AdminApiCredential => entry.kind === 'admin');
}
