import { Inject, Injectable, Logger } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { APP_CONFIG, AppConfig } from '../../tokens';
import { DueReminder, expiryReminderEmail } from './expiry-reminder-email';

/** What became of one recorded reminder's mail. */
export type ReminderDelivery = 'mailed' | 'not-configured' | 'failed';

/**
 * The notification channel of rule T3: one mail per recorded reminder, over
 * SMTP (SMTP_URL) to ADMIN_NOTIFICATION_EMAIL. One recipient serves every
 * tenant until tenants have their own contacts.
 */
@Injectable()
export class ExpiryReminderEmails {
  private readonly logger = new Logger('ExpiryReminderEmails');
  private readonly transport: Transporter | null;
  private readonly recipient: string | null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const email = config.expiryReminders.email;
    // Connects per message, not at start-up: a mail server that is down never stops the api.
    this.transport = email ? createTransport(email.smtpUrl, { from: email.from }) : null;
    this.recipient = email?.to ?? null;
  }

  /** Never throws: a reminder that could not be mailed is still recorded, and the run goes on. */
  async send(reminder: DueReminder): Promise<ReminderDelivery> {
    const about = `tenant ${reminder.tenantId}, token ${reminder.tokenId}, ${reminder.daysBefore}-day reminder`;
    if (!this.transport || !this.recipient) {
      this.logger.warn(`expiry reminder recorded but not mailed (${about}): SMTP_URL is not set`);
      return 'not-configured';
    }
    const { subject, text } = expiryReminderEmail(reminder, this.config.publicBaseUrl);
    try {
      // RFC 3834 §5: an automatic message, so auto-responders stay quiet.
      await this.transport.sendMail({ to: this.recipient, subject, text, headers: { 'Auto-Submitted': 'auto-generated' } });
      this.logger.log(`expiry reminder mailed (${about})`);
      return 'mailed';
    } catch (error) {
      // Not retried: see ScimTokenReminders for why delivery is at most once. The address stays out of the log.
      this.logger.error(`expiry reminder recorded but the mail failed (${about}): ${error instanceof Error ? error.message : String(error)}`);
      return 'failed';
    }
  }

  close(): void {
    this.transport?.close();
  }
}
