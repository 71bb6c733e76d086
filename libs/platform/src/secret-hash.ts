import { hash, timingSafeEqual } from 'node:crypto';

/**
 * SCIM tokens, API secrets and the operator token are random 256-bit values,
 * so SHA-256 is enough to keep them unreadable at rest (rule T2).
 */
export const sha256Hex = (secret: string) => hash('sha256', secret, 'hex'); // one-shot: a Hash object per request was 3 % of a GET

/** Compares two hex hashes in constant time, so timing does not tell how much of a guess was right. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
