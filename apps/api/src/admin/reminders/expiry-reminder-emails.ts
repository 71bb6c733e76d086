import { Inject, Injectable, Logger } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import type { ReminderAttemptOutcome } from '@scim-ledger/domain';
import { APP_CONFIG, AppConfig } from '../../tokens';
import { DueReminder, expiryReminderEmail } from './expiry-reminder-email';

/** What became of one attempt at a reminder's mail: its outcome, or nothing tried since SMTP_URL is unset. */
export type ReminderAttempt = ReminderAttemptOutcome | 'not-configured';

/**
 * The notification channel of rule T3: one mail per attempt at a recorded
 * reminder, over SMTP (SMTP_URL), to the tenant's notification contacts, or
 * to ADMIN_NOTIFICATION_EMAIL when it has none.
 */
@Injectable()
export class ExpiryReminderEmails {
  private readonly logger = new Logger('ExpiryReminderEmails');
  private readonly transport: Transporter | null;
  private readonly fallback: string | null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const email = config.expiryReminders.email;
    // Connects per message, not at start-up: a mail server that is down never stops the api.
    this.transport = email ? createTransport(email.smtpUrl, { from: email.from }) : null;
    this.fallback = email?.fallbackTo ?? null;
  }

  /** Never throws: what went wrong is the outcome, recorded on the tenant's stream, and the run goes on. */
  async send(reminder: DueReminder, contacts: readonly string[], attempt: number): Promise<ReminderAttempt> {
    const about = `tenant ${reminder.tenantId}, token ${reminder.tokenId}, ${reminder.daysBefore}-day reminder, attempt ${attempt}`;
    if (!this.transport) {
      this.logger.warn(`expiry reminder recorded but not mailed (${about}): SMTP_URL is not set`);
      return 'not-configured';
    }
    // Rule T3: the tenant's own admins; the operator's address only for a tenant that named none.
    const recipients = contacts.length > 0 ? 'contacts' : 'fallback';
    const to = contacts.length > 0 ? [...contacts] : this.fallback ? [this.fallback] : [];
    if (to.length === 0) {
      this.logger.error(`expiry reminder undeliverable (${about}): the tenant has no notification contacts and ADMIN_NOTIFICATION_EMAIL is not set`);
      return { delivered: false, failure: 'no-recipient', smtpCode: null };
    }
    const { subject, text } = expiryReminderEmail(reminder, this.config.publicBaseUrl);
    try {
      // RFC 3834 §5: an automatic message, so auto-responders stay quiet. One mail to all of the tenant's contacts.
      await this.transport.sendMail({ to, subject, text, headers: { 'Auto-Submitted': 'auto-generated' } });
      this.logger.log(`expiry reminder mailed to the ${recipients === 'contacts' ? "tenant's contacts" : 'fallback address'} (${about})`);
      return { delivered: true, recipients };
    } catch (error) {
      // The server's text may repeat an address: logged here (never the addresses themselves), kept out of the event.
      const smtpCode = smtpCodeOf(error);
      this.logger.error(`expiry reminder mail failed (${about}): ${error instanceof Error ? error.message : String(error)}`);
      return { delivered: false, failure: smtpCode === null ? 'unreachable' : 'refused', smtpCode };
    }
  }

  close(): void {
    this.transport?.close();
  }
}

/** nodemailer puts the server's reply code on the error when the server answered; a connection error has none. */
function smtpCodeOf(error: unknown): number | null {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && Number.isInteger(code) && code >= 200 && code < 600 ? code : null;
}
