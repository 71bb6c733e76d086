import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock, sameHash, sha256Hex } from '@scim-ledger/platform';
import type { ScimTokenRow } from '@scim-ledger/read-model';
import { TenantCommands } from '../application/tenants/tenant-commands';
import { TenantsReadModel } from '../application/reading/tenants.read-model';

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
 * How long a token's row is reused without asking the read model. Changes
 * made through this process (generate, rotate, revoke: all tenant commands)
 * drop the cache before they are answered; this bounds only how long a
 * change made by another process (a second api, the CLI) goes unseen.
 */
const TOKEN_CACHE_MS = 1000;
/** Rows cached at most: tokens are one per tenant, so this is never reached in use; a bound all the same. */
const TOKEN_CACHE_MAX = 10_000;

/**
 * Maps a SCIM bearer token to its tenant through the projected token table
 * (the tenant stream decides generation and rotation).
 */
@Injectable()
export class ScimTokens {
  private readonly logger = new Logger(ScimTokens.name);
  /** Token and UTC day already recorded by this process, so a busy IdP does not reach the event store on every call. */
  private readonly usesRecorded = new Set<string>();
  /** Known tokens' rows by hash, briefly: every SCIM request needs one (bench/README.md). Unknown ones are never kept. */
  private readonly cached = new Map<string, { readonly row: ScimTokenRow; readonly until: number }>();
  /** Bumped when the cache is dropped, so a lookup begun before a change cannot put its old row back. */
  private generation = 0;

  constructor(
    private readonly readModel: TenantsReadModel,
    private readonly clock: Clock,
    private readonly tenants: TenantCommands,
  ) {
    tenants.afterEachChange(() => this.forgetAll());
  }

  async check(token: string): Promise<TokenCheck> {
    const hash = sha256Hex(token);
    const row = await this.rowOf(hash);
    // The lookup is by hash; the hashes are compared again in constant time.
    if (!row || !sameHash(row.tokenHash, hash)) {
      return { valid: false, reason: 'unknown' };
    }
    const now = this.clock.now().toISOString();
    if (row.expiresAt <= now) return { valid: false, reason: 'expired', principal: { tenantId: row.tenantId, tokenId: row.tokenId } };
    await this.recordUse(row, now);
    return { valid: true, principal: { tenantId: row.tenantId, tokenId: row.tokenId } };
  }

  private async rowOf(hash: string): Promise<ScimTokenRow | undefined> {
    const now = Date.now();
    const hit = this.cached.get(hash);
    if (hit && hit.until > now) return hit.row;
    const generation = this.generation;
    const row = await this.readModel.scimTokenByHash(hash);
    if (!row) this.cached.delete(hash);
    else if (generation === this.generation) {
      if (this.cached.size >= TOKEN_CACHE_MAX) this.cached.clear();
      this.cached.set(hash, { row, until: now + TOKEN_CACHE_MS });
    }
    return row;
  }

  private forgetAll(): void {
    this.generation += 1;
    this.cached.clear();
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
