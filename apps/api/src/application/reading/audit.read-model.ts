import { Injectable } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { groupIdOfStream, groupStreamId } from '@scim-ledger/domain';
import { auditAddressDigest, type AuditEntryRow } from '@scim-ledger/read-model';
import { ReadModelStatements, ScimUsersReadModel } from './scim-users.read-model';

/** What a tenant's audit feed narrows by (all optional). */
export interface AuditNarrowing {
  /** From this instant on (ISO 8601, inclusive). */
  readonly from?: string;
  /** Before this instant (ISO 8601, exclusive). */
  readonly to?: string;
  readonly userId?: string;
  /** A group's own events and the refusals that named it. */
  readonly groupId?: string;
  readonly eventType?: string;
  /** The SCIM token or credential id that acted. */
  readonly actorId?: string;
  /** refused: only refused provisioning attempts (rule S2). */
  readonly outcome?: 'accepted' | 'refused';
  /**
   * An address (userName or email), matched exactly on its key (emailKey):
   * the refusals that named it and every entry of each user who held it.
   */
  readonly address?: string;
}

/** One entry of the audit feed as the admin sees it: who, when, from where, and what the event says (rules S1, S2). */
export interface AuditEntry {
  readonly occurredAt: string;
  readonly eventType: string;
  readonly outcome: 'accepted' | 'refused';
  readonly userId: string | null;
  readonly groupId: string | null;
  readonly actorKind: string;
  readonly actorId: string;
  readonly userAgent: string | null;
  readonly clientAddress: string | null;
  readonly requestId: string;
  readonly streamId: string;
  readonly streamRevision: number;
  readonly data: unknown;
  /** Rule A4: what the request sent that is not kept on the user. */
  readonly ignoredAttributes: readonly string[];
}

const REFUSED = 'ProvisioningRefused';

/** Rows an export reads per statement; between two, other requests get the event loop (issue 15). */
const EXPORT_CHUNK = 1000;

/**
 * The audit trail read model: a tenant's feed, a page at a time or exported
 * whole, oldest first. Its statements are expensive reads, run where the
 * users' are (ScimUsersReadModel.expensively): on SQLite in the read workers
 * (on the event loop, one read at a time, the tenant's limit never saw two),
 * on PostgreSQL within SCIM_QUERY_TIMEOUT_MS.
 */
@Injectable()
export class AuditReadModel {
  constructor(private readonly users: ScimUsersReadModel) {}

  /** One page of the feed (`startIndex` 1-based) and how many entries match in all. */
  feedPage(
    tenantId: string,
    narrowing: AuditNarrowing,
    page: { readonly startIndex: number; readonly count: number },
  ): Promise<{ totalResults: number; startIndex: number; entries: AuditEntry[] }> {
    const { where, params } = whereOf(tenantId, narrowing);
    return this.users.expensively(async (run) => {
      const [{ total }] = await run<{ total: number | string }>(`SELECT COUNT(*) AS total FROM audit_trail a WHERE ${where}`, params);
      const start = page.startIndex - 1;
      const rows = await run<AuditEntryRow>(
        `SELECT a.* FROM audit_trail a WHERE ${where} ORDER BY a."occurredAt" ASC, a.id ASC LIMIT ${Math.trunc(page.count)} OFFSET :offset`,
        { ...params, offset: start },
      );
      return { totalResults: Number(total), startIndex: start + 1, entries: rows.map(auditEntry) };
    });
  }

  /** Every matching entry, or null when more than `atMost` match (counted no further than that). */
  exportedEntries(tenantId: string, narrowing: AuditNarrowing, atMost: number): Promise<AuditEntry[] | null> {
    const { where, params } = whereOf(tenantId, narrowing);
    return this.users.expensively(async (run) => {
      const [{ total }] = await run<{ total: number | string }>(
        `SELECT COUNT(*) AS total FROM (SELECT 1 FROM audit_trail a WHERE ${where} LIMIT ${atMost + 1}) capped`,
        params,
      );
      if (Number(total) > atMost) return null;
      return exportedRows(run, where, params);
    });
  }
}

function whereOf(tenantId: string, narrowing: AuditNarrowing): { where: string; params: Record<string, unknown> } {
  const conditions = ['a."tenantId" = :tenantId'];
  const params: Record<string, unknown> = { tenantId };
  const narrow = (condition: string, name: string, value: unknown) => {
    conditions.push(condition);
    params[name] = value;
  };
  // occurredAt holds canonical ISO instants, which sort as text.
  if (narrowing.from) narrow('a."occurredAt" >= :from', 'from', new Date(narrowing.from).toISOString());
  if (narrowing.to) narrow('a."occurredAt" < :to', 'to', new Date(narrowing.to).toISOString());
  if (narrowing.userId) narrow('a."userId" = :userId', 'userId', narrowing.userId);
  if (narrowing.groupId) {
    narrow('(a."streamId" = :groupStream OR a."groupId" = :groupId)', 'groupId', narrowing.groupId);
    params.groupStream = groupStreamId(narrowing.groupId);
  }
  if (narrowing.eventType) narrow('a."eventType" = :eventType', 'eventType', narrowing.eventType);
  if (narrowing.actorId) narrow('a."actorId" = :actorId', 'actorId', narrowing.actorId);
  if (narrowing.outcome) narrow(`a."eventType" ${narrowing.outcome === 'refused' ? '=' : '<>'} :refused`, 'refused', REFUSED);
  // By digest, as the projection stored it (the trail holds no address column in clear): an entry naming the
  // address, or any entry of a user of the tenant that one of those names, before or after it held the address.
  if (narrowing.address !== undefined)
    narrow(
      `(a."addressDigest" = :address OR a."emailDigest" = :address OR a."userId" IN (SELECT h."userId" FROM audit_trail h WHERE h."tenantId" = :tenantId AND (h."addressDigest" = :address OR h."emailDigest" = :address) AND h."userId" IS NOT NULL))`,
      'address',
      auditAddressDigest(narrowing.address),
    );
  return { where: conditions.join(' AND '), params };
}

/**
 * An export's rows, read in chunks in (occurredAt, id) order, handing the
 * event loop back between chunks: read in one statement, 100,000 entries held
 * the one JavaScript thread, and every tenant's lookups waited behind it.
 */
async function exportedRows(run: ReadModelStatements, where: string, params: Record<string, unknown>): Promise<AuditEntry[]> {
  const rows: AuditEntry[] = [];
  for (let after: AuditEntryRow | null = null; ;) {
    const page: AuditEntryRow[] = after
      ? await run<AuditEntryRow>(
          `SELECT a.* FROM audit_trail a WHERE ${where} AND (a."occurredAt" > :afterAt OR (a."occurredAt" = :afterAt AND a.id > :afterId)) ORDER BY a."occurredAt" ASC, a.id ASC LIMIT ${EXPORT_CHUNK}`,
          { ...params, afterAt: after.occurredAt, afterId: after.id },
        )
      : await run<AuditEntryRow>(`SELECT a.* FROM audit_trail a WHERE ${where} ORDER BY a."occurredAt" ASC, a.id ASC LIMIT ${EXPORT_CHUNK}`, params);
    rows.push(...page.map(auditEntry));
    if (page.length < EXPORT_CHUNK) return rows;
    after = page[page.length - 1];
    await nextTurn();
  }
}

/** The group an entry concerns: its stream's, or the one its refusal named. */
function groupIdOf(row: AuditEntryRow): string | null {
  return groupIdOfStream(row.streamId) ?? row.groupId;
}

function auditEntry(row: AuditEntryRow): AuditEntry {
  return {
    occurredAt: row.occurredAt,
    eventType: row.eventType,
    outcome: row.eventType === REFUSED ? 'refused' : 'accepted',
    userId: row.userId,
    groupId: groupIdOf(row),
    actorKind: row.actorKind,
    actorId: row.actorId,
    userAgent: row.userAgent,
    clientAddress: row.clientAddress,
    requestId: row.requestId,
    streamId: row.streamId,
    streamRevision: row.streamRevision,
    data: withoutHashes(JSON.parse(row.data)),
    ignoredAttributes: row.ignoredAttributes === null ? [] : (JSON.parse(row.ignoredAttributes) as string[]),
  };
}

/**
 * What an event says, but the hashes of a credential's secret or a SCIM token:
 * kept to check a secret, never shown, as the secret itself is shown once.
 */
function withoutHashes(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const { secretHash: _secret, tokenHash: _token, ...shown } = data as Record<string, unknown>;
  return shown;
}
