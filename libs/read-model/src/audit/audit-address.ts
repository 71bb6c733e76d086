import { addressDigest, emailKey } from '@scim-ledger/domain';

/**
 * What the audit trail finds an address by: the SHA-256 of its key (emailKey),
 * the digest its claim stream is named by (rule L8), so the trail can be
 * searched by an address without holding it in a column of its own.
 */
export function auditAddressDigest(address: string): string {
  return addressDigest(emailKey(address));
}
