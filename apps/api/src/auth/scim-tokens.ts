import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '@scim-ledger/platform';
import { ScimTokenRow } from '@scim-ledger/read-model';
import { READ_MODEL } from '../tokens';

export interface ScimPrincipal {
  readonly tenantId: string;
  readonly tokenId: string;
}

export type TokenCheck = { readonly valid: true; readonly principal: ScimPrincipal } | { readonly valid: false; readonly reason: 'unknown' | 'expired' };

const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Maps a SCIM bearer token to its tenant through the projected token table
 * (the tenant stream decides generation and rotation).
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

}
