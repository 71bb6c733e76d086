import { DueReminder, expiryReminderEmail } from './expiry-reminder-email';

const reminder: DueReminder = { tenantId: 'acme', tenantName: 'Acme Corp', tokenId: 'token-1', daysBefore: 7, expiresAt: '2027-05-01T09:30:59.999Z' };

describe('the expiry reminder email (rule T3)', () => {
  it('given a 7-day reminder, then it names the tenant, the expiry in UTC and what to do', () => {
    const { subject, text } = expiryReminderEmail(reminder, undefined);

    expect(subject).toBe('SCIM token for tenant Acme Corp expires in 7 days');
    expect(text).toContain('tenant "Acme Corp" (id acme) expires on 2027-05-01 09:30 UTC.');
    expect(text).toContain('POST /admin/v1/tenants/acme/scim-token');
    expect(text).toContain('Paste it into your identity provider');
    expect(text).toContain('This is the 7-day reminder; reminders are sent 30, 7 and 1 days before a token expires.');
  });

  it('given the 1-day reminder, then the subject says "1 day"', () => {
    expect(expiryReminderEmail({ ...reminder, daysBefore: 1 }, undefined).subject).toBe('SCIM token for tenant Acme Corp expires in 1 day');
  });

  it('given PUBLIC_BASE_URL, then the route to call is complete', () => {
    expect(expiryReminderEmail(reminder, 'https://scim.example.com').text).toContain('POST https://scim.example.com/admin/v1/tenants/acme/scim-token');
  });

  it('given a tenant name with a line break, then the subject stays one line', () => {
    const { subject } = expiryReminderEmail({ ...reminder, tenantName: 'Acme\r\nBcc: someone@example.com' }, undefined);

    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toBe('SCIM token for tenant Acme Bcc: someone@example.com expires in 7 days');
  });
});
