import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  Actor,
  dueReminders,
  expiriesWithReminderWindowOpen,
  ExpiryReminderDays,
  nextReminderAttemptAt,
  remindersToRetry,
  TenantState,
} from '@scim-ledger/domain';
import { Clock } from '@scim-ledger/platform';
import { RepeatingRun } from '../../application/scheduling/repeating-run';
import { APP_CONFIG, AppConfig } from '../../tokens';
import { TenantsReadModel } from '../../application/reading/tenants.read-model';
import { AdminRequest, TenantCommands } from '../../application/tenants/tenant-commands';
import { DueReminder } from './expiry-reminder-email';
import { ExpiryReminderEmails } from './expiry-reminder-emails';

const REMINDER_ACTOR: Actor = { kind: 'system', id: 'scim-token-reminders' };

/** What became of one attempt's mail. */
export type ReminderDelivery = 'mailed' | 'not-configured' | 'failed';

export interface RecordedReminder extends DueReminder {
  /** 1 when the reminder was recorded, one more per retry. */
  readonly attempt: number;
  readonly delivery: ReminderDelivery;
}

/**
 * Rule T3 decision: reminders 30, 7 and 1 days before a SCIM token expires,
 * recorded as `ScimTokenExpiryReminderDue` events and mailed to the tenant's
 * notification contacts (the operator's ADMIN_NOTIFICATION_EMAIL for a tenant
 * without any).
 *
 * Each attempt is taken on the tenant's stream before its mail is sent: the
 * first by recording the reminder, each retry by appending
 * `ScimTokenExpiryReminderRetried`. Only the run whose append created the
 * event sends, so of several api instances racing on one tenant one mails
 * (the loser re-decides on fresh state and gets no event). The outcome is
 * appended next (`…Delivered`, or `…DeliveryFailed` with the back-off's next
 * attempt), and a failed attempt is retried until the reminder's window
 * closes. A crash between taking an attempt and recording its outcome leaves
 * it taken: that attempt's mail may be lost, never sent twice.
 */
@Injectable()
export class ScimTokenReminders implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ScimTokenReminders');
  private readonly job = new RepeatingRun(
    () => this.remindEveryTenant(),
    (error) => this.logger.error(`looking for expiry reminders failed: ${messageOf(error)}`),
  );
  /** A run sooner than the next regular one, for a retry's back-off shorter than REMINDER_INTERVAL_MS. */
  private retryTimer: { readonly at: number; readonly timer: NodeJS.Timeout } | null = null;
  private stopped = false;

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
    else if (!email.fallbackTo) this.logger.warn('ADMIN_NOTIFICATION_EMAIL is not set: reminders of a tenant without notification contacts cannot be mailed');
    this.job.start(0, intervalMs);
  }

  /** Runs before the projector closes the stores (beforeApplicationShutdown), so a run in progress can finish. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    await this.job.stop();
    this.emails.close();
  }

  /** Records, mails and retries every reminder due now; called by the timer, and by tests directly. */
  runOnce(): Promise<RecordedReminder[]> {
    return this.job.runOnce();
  }

  private async remindEveryTenant(): Promise<RecordedReminder[]> {
    const now = this.clock.now().toISOString();
    // The read model only narrows the search (a retry is inside a window too); each tenant's stream decides.
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
    let { state } = await this.tenants.load(tenantId);
    if (state.status !== 'Active' || !state.scimToken) return [];
    const { tokenId } = state.scimToken;
    const recorded: RecordedReminder[] = [];
    const attempts: { daysBefore: ExpiryReminderDays; first: boolean }[] = [
      ...dueReminders(state, now).map((daysBefore) => ({ daysBefore, first: true })),
      ...remindersToRetry(state, now).map((daysBefore) => ({ daysBefore, first: false })),
    ];
    for (const { daysBefore, first } of attempts) {
      const taken = await this.tenants.execute(
        tenantId,
        first
          ? { type: 'RecordScimTokenExpiryReminder', data: { tokenId, daysBefore, now } }
          : { type: 'RetryScimTokenExpiryReminder', data: { tokenId, daysBefore, now } },
        this.request(),
      );
      state = taken.state;
      for (const event of taken.events) {
        if (event.type !== 'ScimTokenExpiryReminderDue' && event.type !== 'ScimTokenExpiryReminderRetried') continue;
        const attempt = event.type === 'ScimTokenExpiryReminderDue' ? 1 : event.data.attempt;
        const result = await this.attempt(tenantId, state, event.data.daysBefore, attempt);
        state = result.state;
        recorded.push(result.recorded);
      }
    }
    this.retryBy(nextReminderAttemptAt(state));
    return recorded;
  }

  /** Sends the attempt this run took and records how it went on the tenant's stream. */
  private async attempt(tenantId: string, state: TenantState, daysBefore: ExpiryReminderDays, attempt: number) {
    if (state.status !== 'Active' || !state.scimToken) throw new Error(`tenant ${tenantId} has no SCIM token to remind of`);
    const token = state.scimToken;
    const reminder: DueReminder = { tenantId, tenantName: state.name, tokenId: token.tokenId, daysBefore, expiresAt: token.expiresAt };
    const outcome = await this.emails.send(reminder, state.notificationContacts, attempt);
    if (outcome === 'not-configured') return { state, recorded: { ...reminder, attempt, delivery: outcome } };
    const now = this.clock.now().toISOString();
    const result = await this.tenants.execute(
      tenantId,
      { type: 'RecordScimTokenExpiryReminderAttempt', data: { tokenId: token.tokenId, daysBefore, attempt, outcome, now } },
      this.request(),
    );
    return { state: result.state, recorded: { ...reminder, attempt, delivery: outcome.delivered ? ('mailed' as const) : ('failed' as const) } };
  }

  /** A run at `at` when that is before the next regular run would look; never with the scheduler off (tests run it). */
  private retryBy(at: string | null): void {
    const { intervalMs } = this.config.expiryReminders;
    if (at === null || intervalMs === 0 || this.stopped) return;
    const when = Date.parse(at);
    const delay = Math.max(0, when - this.clock.now().getTime());
    if (delay >= intervalMs || (this.retryTimer && this.retryTimer.at <= when)) return;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    const timer = setTimeout(() => {
      this.retryTimer = null;
      this.runOnce().catch((error) => this.logger.error(`retrying expiry reminders failed: ${messageOf(error)}`));
    }, delay);
    timer.unref();
    this.retryTimer = { at: when, timer };
  }

  private request(): AdminRequest {
    return { actor: REMINDER_ACTOR, requestId: `reminder-${randomUUID()}`, userAgent: null, clientAddress: null };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
