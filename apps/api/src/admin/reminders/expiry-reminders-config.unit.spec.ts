import { loadConfig } from '@scim-ledger/platform';

describe('the expiry reminder settings (rule T3)', () => {
  it('given nothing set, then reminders are looked for hourly and recorded without mail', () => {
    expect(loadConfig({}).expiryReminders).toEqual({ intervalMs: 3_600_000, email: null });
  });

  it('given SMTP_URL and ADMIN_NOTIFICATION_EMAIL, then mail goes there from the default sender', () => {
    const config = loadConfig({ SMTP_URL: 'smtp://user:pass@mail:587', ADMIN_NOTIFICATION_EMAIL: 'admin@example.com', REMINDER_INTERVAL_MS: '0' });

    expect(config.expiryReminders).toEqual({
      intervalMs: 0,
      email: { smtpUrl: 'smtp://user:pass@mail:587', from: 'scim-ledger <no-reply@localhost>', fallbackTo: 'admin@example.com' },
    });
  });

  it("given SMTP_URL without ADMIN_NOTIFICATION_EMAIL, then it starts: reminders go to each tenant's contacts, with no fallback (rule T3)", () => {
    expect(loadConfig({ SMTP_URL: 'smtp://mail:25' }).expiryReminders.email).toEqual({
      smtpUrl: 'smtp://mail:25',
      from: 'scim-ledger <no-reply@localhost>',
      fallbackTo: null,
    });
  });

  it('given an interval longer than a day, a non-SMTP URL or a bad address, then start-up stops', () => {
    expect(() => loadConfig({ REMINDER_INTERVAL_MS: '86400001' })).toThrow(/REMINDER_INTERVAL_MS/);
    expect(() => loadConfig({ SMTP_URL: 'http://mail:25', ADMIN_NOTIFICATION_EMAIL: 'admin@example.com' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ ADMIN_NOTIFICATION_EMAIL: 'not an address' })).toThrow(/ADMIN_NOTIFICATION_EMAIL/);
  });
});
