import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '@scim-ledger/platform';
import { ScimTokenRow } from '@scim-ledger/read-model';
import { READ_MODEL } from '../tokens';

/** A token lives 365 days from creation (rule T2). */
export const SCIM_TOKEN_VALIDITY_DAYS = 365;

export interface ScimPrincipal {
  readonly tenantId: string;
  readonly tokenId: string;
}

export type TokenCheck = { readonly valid: true; readonly principal: ScimPrincipal } | { readonly valid: false; readonly reason: 'unknown' | 'expired' };

const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The walking skeleton's token registry: enough to map a bearer token to its
 * tenant. The tenant, token generation and rotation are the admin API's issue.
 */
@Injectable()
export class ScimTokens {
  constructor(
    @Inject(READ_MODEL) private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async check(token: string): Promise<TokenCheck> {
    const hash = sha256(token);
    const row = await this.dataSource.getRepository(ScimTokenRow).findOneBy({ tokenHash: hash });
    // The lookup is by hash; comparing the hashes again in constant time keeps
    // a timing difference from telling how much of a guess was right.
    if (!row || !timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), Buffer.from(hash, 'hex'))) {
      return { valid: false, reason: 'unknown' };
    }
    if (row.expiresAt <= this.clock.now().toISOString()) return { valid: false, reason: 'expired' };
    return { valid: true, principal: { tenantId: row.tenantId, tokenId: row.tokenId } };
  }

  /**
   * Makes sure the bootstrap tenant has a token. A token given in the
   * environment replaces the tenant's previous one (rule T2: one at a time);
   * without one, a new token is generated only if the tenant has none, and
   * returned so start-up can show it once.
   */
  async ensureBootstrapToken(tenantId: string, fromEnvironment: string | undefined): Promise<{ token: string | null; expiresAt: string }> {
    const repository = this.dataSource.getRepository(ScimTokenRow);
    const existing = await repository.findBy({ tenantId });
    const now = this.clock.now();
    if (!fromEnvironment && existing.length > 0) return { token: null, expiresAt: existing[0].expiresAt };
    const token = fromEnvironment ?? randomBytes(32).toString('base64url');
    if (existing.length === 1 && existing[0].tokenHash === sha256(token)) return { token, expiresAt: existing[0].expiresAt };
    const expiresAt = new Date(now.getTime() + SCIM_TOKEN_VALIDITY_DAYS * 86_400_000).toISOString();
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(ScimTokenRow, { tenantId });
      await manager.insert(ScimTokenRow, { tokenHash: sha256(token), tokenId: randomUUID(), tenantId, createdAt: now.toISOString(), expiresAt });
    });
    return { token, expiresAt };
  }
}
