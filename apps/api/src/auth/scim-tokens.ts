import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '@scim-ledger/platform';
import { ScimTokenRow } from '@scim-ledger/read-model';
import { TenantCommands } from '../admin/tenants/tenant-commands';
import { READ_MODEL } from '../tokens';
import { sameHash, sha256Hex } from './secret-hash';

export interface ScimPrincipal {
  readonly tenantId: string;
  readonly tokenId: string;
}

export type TokenCheck =
  | { readonly valid: true; readonly principal: ScimPrincipal }
  | { readonly valid: false; readonly reason: 'unknown' }
  /** The tenant is known: its admin is to see the refusal (rule S2). */
  | { readonly valid: false; readonly reason: 'expired'; readonly principal: ScimPrincipal };

/**
 * Maps a SCIM bearer token to its tenant through the projected token table
 * (the tenant stream decides generation and rotation).
 */
@Injectable()
export class ScimTokens {
  private readonly logger = new Logger(ScimTokens.name);
  /** Token and UTC day already recorded by this process, so a busy IdP does not reach the event store on every call. */
  private readonly usesRecorded = new Set<string>();

  constructor(
    @Inject(READ_MODEL) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly tenants: TenantCommands,
  ) {}

  async check(token: string): Promise<TokenCheck> {
    const hash = sha256Hex(token);
    // Every SCIM request comes here: one plain statement, not the query builder (bench/README.md).
    const [row]: ScimTokenRow[] = await this.dataSource.query(
      `SELECT * FROM scim_tokens WHERE "tokenHash" = ${this.dataSource.options.type === 'postgres' ? '$1' : '?'}`,
      [hash],
    );
    // The lookup is by hash; the hashes are compared again in constant time.
    if (!row || !sameHash(row.tokenHash, hash)) {
      return { valid: false, reason: 'unknown' };
    }
    const now = this.clock.now().toISOString();
    if (row.expiresAt <= now) return { valid: false, reason: 'expired', principal: { tenantId: row.tenantId, tokenId: row.tokenId } };
    await this.recordUse(row, now);
    return { valid: true, principal: { tenantId: row.tenantId, tokenId: row.tokenId } };
  }

  /**
   * The admin sees when the token was last used; the tenant decider records
   * it at most once per UTC day, so only the day's first call waits for it,
   * and a failure to record never fails the SCIM call.
   */
  private async recordUse(row: ScimTokenRow, now: string): Promise<void> {
    const key = `${row.tokenId}@${now.slice(0, 10)}`;
    if (row.lastUsedAt?.slice(0, 10) === now.slice(0, 10) || this.usesRecorded.has(key)) return;
    this.usesRecorded.add(key);
    const request = { actor: { kind: 'scim-token' as const, id: row.tokenId }, requestId: `token-use-${randomUUID()}`, userAgent: null, clientAddress: null };
    try {
      await this.tenants.execute(row.tenantId, { type: 'RecordScimTokenUse', data: { tokenId: row.tokenId, now } }, request);
    } catch (error) {
      this.usesRecorded.delete(key);
      this.logger.warn(`could not record the use of SCIM token ${row.tokenId}: ${(error as Error).message}`);
    }
  }

}
