import { AuditEntry, AuditNarrowing, AuditReadModel } from '../../application/reading/audit.read-model';
import { ExpensiveReads } from '../../application/reading/expensive-reads';
import { Get, Param, Query, Res } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { UserHistories } from '../../application/users/user-history';
import { requireTenant } from '../auth/admin-principal';
import { AdminCall, Call } from '../http/admin-call';
import { AdminController, TenantRoute } from '../http/admin-controller';
import { CountParameter, MAX_START_INDEX, StartIndexParameter } from '../http/page-parameters';
import { AdminProblem } from '../../http/problem-details.filter';
import { IsSearchedAddress } from '../http/searched-address';
import { csvCell } from './csv-cell';

/** Most rows one export holds; a larger one is narrowed by time range. */
const MAX_EXPORT_ROWS = 100_000;

export class PageQuery {
  @StartIndexParameter()
  startIndex?: number;

  @CountParameter(100, 1000)
  count?: number;
}

export class StateQuery {
  @ApiPropertyOptional({ description: 'the state after every event that occurred at or before this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;

  @ApiPropertyOptional({ description: 'the state after this stream revision' })
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(MAX_START_INDEX)
  revision?: number;
}

export class AuditFeedQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'from this instant on (ISO 8601, inclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'before this instant (ISO 8601, exclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  userId?: string;

  @ApiPropertyOptional({ description: "a SCIM group's id: its own events and the refused requests that named it" })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  groupId?: string;

  @ApiPropertyOptional({ description: 'e.g. UserPreserved, ProvisioningRefused' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  eventType?: string;

  @ApiPropertyOptional({ description: 'the SCIM token or credential id that acted' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actorId?: string;

  @ApiPropertyOptional({ enum: ['accepted', 'refused'], description: 'refused: only refused provisioning attempts (rule S2)' })
  @IsOptional()
  @IsIn(['accepted', 'refused'])
  outcome?: 'accepted' | 'refused';

  @ApiPropertyOptional({
    description:
      'an address (userName or email), matched exactly in any case and Unicode form (its key, rule L8), never as a part: the refusals that named it and every entry of each user who holds or held it',
    example: 'leo@acme.com',
  })
  @IsOptional()
  @IsSearchedAddress()
  q?: string;

  @ApiPropertyOptional({ enum: ['json', 'ndjson', 'csv'], default: 'json', description: 'ndjson and csv export every matching entry' })
  @IsOptional()
  @IsIn(['json', 'ndjson', 'csv'])
  format?: 'json' | 'ndjson' | 'csv';
}

/** What happened and why (rules S1–S3): a user's history and state as of a moment, and the tenant's audit feed. */
@AdminController('audit', 'admin/v1/tenants/:tenantId')
export class AuditController {
  constructor(
    private readonly histories: UserHistories,
    private readonly expensiveReads: ExpensiveReads,
    private readonly audit: AuditReadModel,
  ) {}

  @Get('users/:userId/history')
  @TenantRoute({
    summary: 'Every event of a user and every change of its group memberships, oldest first, with who, when, from where, a summary and the attribute diff',
  })
  async history(@Param('tenantId') tenantId: string, @Param('userId') userId: string, @Query() query: PageQuery, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    // The whole stream is folded, and the tenant makes it as long as it likes: an expensive read (found by the fourth attack on issue 15).
    return this.expensiveReads.run(tenantId, async () => {
      const { entries, state } = (await this.histories.history(tenantId, userId)) ?? notFound(userId);
      const start = (query.startIndex ?? 1) - 1;
      const count = query.count ?? 100;
      return { userId, status: state.status, totalResults: entries.length, startIndex: start + 1, entries: entries.slice(start, start + count) };
    });
  }

  @Get('users/:userId/state')
  @TenantRoute({ summary: 'The user as it stood at a moment or after a revision, folded from its events, and its groups then (rules S3, G2)' })
  async state(@Param('tenantId') tenantId: string, @Param('userId') userId: string, @Query() query: StateQuery, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    return this.expensiveReads.run(tenantId, async () => {
      const { state, groups } = (await this.histories.stateAsOf(tenantId, userId, { until: query.at, revision: query.revision })) ?? notFound(userId);
      return { userId, at: query.at ?? null, revision: query.revision ?? null, state, groups };
    });
  }

  @Get('audit')
  @TenantRoute({ summary: "The tenant's audit feed: every event and refused provisioning attempt, filtered; JSON pages, or an NDJSON or CSV export" })
  async feed(@Param('tenantId') tenantId: string, @Query() query: AuditFeedQuery, @Call() call: AdminCall, @Res({ passthrough: true }) reply: FastifyReply) {
    requireTenant(call.principal, tenantId);
    // A feed page or an export of up to 100,000 entries takes its turn with the tenant's other expensive reads (issue 15).
    return this.expensiveReads.run(tenantId, () => this.feedOf(tenantId, query, reply));
  }

  private async feedOf(tenantId: string, query: AuditFeedQuery, reply: FastifyReply) {
    const narrowing: AuditNarrowing = {
      from: query.from,
      to: query.to,
      userId: query.userId,
      groupId: query.groupId,
      eventType: query.eventType,
      actorId: query.actorId,
      outcome: query.outcome,
      address: query.q,
    };
    const format = query.format ?? 'json';
    if (format === 'json') return this.audit.feedPage(tenantId, narrowing, { startIndex: query.startIndex ?? 1, count: query.count ?? 100 });
    const rows = await this.audit.exportedEntries(tenantId, narrowing, MAX_EXPORT_ROWS);
    if (rows === null) throw new AdminProblem(413, 'Export Too Large', `more than ${MAX_EXPORT_ROWS} entries: narrow it with from and to`);
    const name = `audit-${tenantId}.${format}`;
    void reply.header('content-disposition', `attachment; filename="${name}"`);
    if (format === 'ndjson') {
      void reply.type('application/x-ndjson');
      return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
    }
    void reply.type('text/csv; charset=utf-8');
    return [CSV_COLUMNS.join(','), ...rows.map((row) => CSV_COLUMNS.map((column) => csvCell(row[column])).join(','))].join('\r\n') + '\r\n';
  }
}

/** Another tenant's user is not found, like an unknown one. */
function notFound(userId: string): never {
  throw new AdminProblem(404, 'Not Found', `user ${userId} not found`);
}

const CSV_COLUMNS: ReadonlyArray<keyof AuditEntry> = [
  'occurredAt',
  'eventType',
  'outcome',
  'userId',
  'actorKind',
  'actorId',
  'userAgent',
  'clientAddress',
  'requestId',
  'streamId',
  'streamRevision',
  'data',
  'ignoredAttributes',
];
