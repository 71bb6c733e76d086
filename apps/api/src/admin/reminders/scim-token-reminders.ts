import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Actor, dueReminders, expiriesWithReminderWindowOpen } from '@scim-ledger/domain';
import { Clock } from '@scim-ledger/platform';
import { RepeatingRun } from '../../application/scheduling/repeating-run';
import { APP_CONFIG, AppConfig } from '../../tokens';
import { TenantsReadModel } from '../../application/reading/tenants.read-model';
import { AdminRequest, TenantCommands } from '../../application/tenants/tenant-commands';
import { DueReminder } from './expiry-reminder-email';
import { ExpiryReminderEmails, ReminderDelivery } from './expiry-reminder-emails';

const REMINDER_ACTOR: Actor = { kind: 'system', id: 'scim-token-reminders' };

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
    private readonly readModel: TenantsReadModel,
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
    // The read model only narrows the search; each tenant's stream decides.
    const tenantIds = await this.readModel.tenantsWithScimTokenExpiring(expiriesWithReminderWindowOpen(now));
    const recorded: RecordedReminder[] = [];
    for (const tenantId of tenantIds) {
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
