import { EXPIRY_REMINDER_DAYS, ExpiryReminderDays } from '@scim-ledger/domain';

/** A reminder the tenant's stream has just recorded (rule T3), with what the mail needs to say. */
export interface DueReminder {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly tokenId: string;
  readonly daysBefore: ExpiryReminderDays;
  readonly expiresAt: string;
}

export interface ExpiryReminderEmail {
  readonly subject: string;
  readonly text: string;
}

/**
 * What the admin reads: when the token expires and what to do (rule T3:
 * generate a new token and paste it into the IdP). It names the tenant and
 * the expiry only: never the token, its hash or anyone's personal data.
 * `adminApiOrigin` is PUBLIC_BASE_URL when set, so the route is complete.
 */
export function expiryReminderEmail(reminder: DueReminder, adminApiOrigin: string | undefined): ExpiryReminderEmail {
  // One line: a name with a line break must not start a new header.
  const tenantName = reminder.tenantName.replace(/\s+/g, ' ');
  const days = reminder.daysBefore === 1 ? '1 day' : `${reminder.daysBefore} days`;
  const route = `POST ${adminApiOrigin ?? ''}/admin/v1/tenants/${reminder.tenantId}/scim-token`;
  // Several IdP apps may share the token (rule T5); generating a new one ends the old at once (rule T2).
  const text = [
    `The SCIM token of tenant "${tenantName}" (id ${reminder.tenantId}) expires on ${utcMinute(reminder.expiresAt)}.`,
    '',
    'From then on every SCIM request of your identity provider is refused (401) and users are no longer',
    'provisioned, until a new token is in place.',
    '',
    'To keep provisioning running:',
    `1. Generate a new SCIM token with the admin API: ${route}`,
    '   The response shows the token once.',
    "2. Paste it into your identity provider's provisioning settings (for Entra ID: the Secret Token",
    '   of the enterprise application) and test the connection. If several IdP applications use this',
    "   tenant's token, update each of them.",
    '',
    'The current token stops working as soon as the new one is generated, so do both steps together.',
    '',
    `This is the ${reminder.daysBefore}-day reminder; reminders are sent ${thresholds()} days before a token expires.`,
    '',
    '-- ',
    'scim-ledger',
    '',
  ].join('\n');
  return { subject: `SCIM token for tenant ${tenantName} expires in ${days}`, text };
}

/** "30, 7 and 1": the thresholds of rule T3, as a sentence says them. */
function thresholds(): string {
  const days = EXPIRY_REMINDER_DAYS.map(String);
  return days.length > 1 ? `${days.slice(0, -1).join(', ')} and ${days[days.length - 1]}` : days.join('');
}

/** Rule T2: dates are shown in UTC; the minute is precise enough and never later than the real expiry. */
export function utcMinute(isoInstant: string): string {
  return `${isoInstant.slice(0, 10)} ${isoInstant.slice(11, 16)} UTC`;
}
