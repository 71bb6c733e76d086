import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { And, DataSource, LessThanOrEqual, MoreThan } from 'typeorm';
import { Actor, dueReminders, EXPIRY_REMINDER_DAYS } from '@scim-ledger/domain';
import { ScimTokenRow } from '@scim-ledger/read-model';
import { Clock } from '@scim-ledger/platform';
import { RepeatingRun } from '../../application/scheduling/repeating-run';
import { APP_CONFIG, AppConfig, READ_MODEL } from '../../tokens';
import { AdminRequest, TenantCommands } from '../../application/tenants/tenant-commands';
import { DueReminder } from './expiry-reminder-email';
import { ExpiryReminderEmails, ReminderDelivery } from './expiry-reminder-emails';

const REMINDER_ACTOR: Actor = { kind: 'system', id: 'scim-token-reminders' };
const DAY_MS = 86_400_000;
/** Rule T3: no reminder window opens earlier than the largest threshold before expiry. */
const FIRST_WINDOW_MS = Math.max(...EXPIRY_REMINDER_DAYS) * DAY_MS;

export interface RecordedReminder extends DueReminder {
  readonly delivery: ReminderDelivery;
}

/**
 * Rule T3 decision: reminders 30, 7 and 1 days before a SCIM token expires,
 * recorded as `ScimTokenExpiryReminderDue` events and mailed.
 *
 * Recorded first, mailed second, and only by the run whose append created the
 * event: two api instances racing on one tenant never mail twice (the loser
 * re-decides on fresh state and gets no event). The price is at-most-once
 * delivery: a failed send, or a crash between append and send, loses that
 * mail. It is logged, not retried, since the tenant's stream holds each
 * threshold once per token; the next threshold still comes, and the event
 * stays in the audit trail.
 */
@Injectable()
export class ScimTokenReminders implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ScimTokenReminders');
  private readonly job = new RepeatingRun(
    () => this.remindEveryTenant(),
    (error) => this.logger.error(`looking for expiry reminders failed: ${messageOf(error)}`),
  );

  constructor(
    private readonly tenants: TenantCommands,
    private readonly clock: Clock,
    @Inject(READ_MODEL) private readonly readModel: DataSource,
    private readonly emails: ExpiryReminderEmails,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { intervalMs, email } = this.config.expiryReminders;
    if (!email) this.logger.warn('SMTP_URL is not set: SCIM token expiry reminders are recorded but not mailed');
    this.job.start(0, intervalMs);
  }

  /** Runs before the projector closes the stores (beforeApplicationShutdown), so a run in progress can finish. */
  async onModuleDestroy(): Promise<void> {
    await this.job.stop();
    this.emails.close();
  }

  /** Records and mails every reminder due now; called by the timer, and by tests directly. */
  runOnce(): Promise<RecordedReminder[]> {
    return this.job.runOnce();
  }

  private async remindEveryTenant(): Promise<RecordedReminder[]> {
    const now = this.clock.now().toISOString();
    const firstWindowOpens = new Date(Date.parse(now) + FIRST_WINDOW_MS).toISOString();
    // The read model only narrows the search (canonical ISO instants sort as text); each tenant's stream decides.
    const rows = await this.readModel.getRepository(ScimTokenRow).find({
      select: { tenantId: true },
      where: { expiresAt: And(MoreThan(now), LessThanOrEqual(firstWindowOpens)) },
      order: { tenantId: 'ASC' },
    });
    const recorded: RecordedReminder[] = [];
    for (const tenantId of new Set(rows.map((row) => row.tenantId))) {
      try {
        recorded.push(...(await this.remindTenant(tenantId, now)));
      } catch (error) {
        // One tenant's failure must not keep the others' reminders back.
        this.logger.error(`expiry reminders of tenant ${tenantId} failed: ${messageOf(error)}`);
      }
    }
    return recorded;
  }

  private async remindTenant(tenantId: string, now: string): Promise<RecordedReminder[]> {
    const { state } = await this.tenants.load(tenantId);
    if (state.status !== 'Active' || !state.scimToken) return [];
    const { tokenId } = state.scimToken;
    const recorded: RecordedReminder[] = [];
    for (const daysBefore of dueReminders(state, now)) {
      const request: AdminRequest = { actor: REMINDER_ACTOR, requestId: `reminder-${randomUUID()}`, userAgent: null, clientAddress: null };
      const result = await this.tenants.execute(tenantId, { type: 'RecordScimTokenExpiryReminder', data: { tokenId, daysBefore, now } }, request);
      const tenantName = result.state.status === 'Active' ? result.state.name : tenantId;
      for (const event of result.events) {
        if (event.type !== 'ScimTokenExpiryReminderDue') continue;
        const reminder: DueReminder = { tenantId, tenantName, tokenId: event.data.tokenId, daysBefore: event.data.daysBefore, expiresAt: event.data.expiresAt };
        recorded.push({ ...reminder, delivery: await this.emails.send(reminder) });
      }
    }
    return recorded;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
