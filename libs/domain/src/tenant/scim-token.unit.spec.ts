import { decide, dueReminders, foldTenant, initialTenantState, scimTokenStatus, TenantCommand } from './tenant.decider';
import { TenantEvent } from './tenant.events';
import { active, adminIssued, before, created, DAY, EXPIRES, given, HASH_A, HASH_B, NOW, reminded, scimOn, tokenGenerated } from '../testing/tenant-history';

describe('Tenant decider', () => {
  describe('SCIM token (rules T2–T4)', () => {
    const generate = (tokenId: string, tokenHash: string, now = NOW): TenantCommand => ({ type: 'GenerateScimToken', data: { tokenId, tokenHash, now } });

    it('given a SCIM tenant without a token, when a token is generated, then ScimTokenGenerated with its credentials entry (rule T4)', () => {
      given(created, scimOn).when(generate('tok1', HASH_A)).then([tokenGenerated]);
    });

    it('given a token generated now, then it expires exactly 365 days later (rule T2)', () => {
      const [event] = decide(generate('tok1', HASH_A), foldTenant([created, scimOn]));
      if (event.type !== 'ScimTokenGenerated') throw new Error(event.type);
      expect(Date.parse(event.data.expiresAt) - Date.parse(event.data.createdAt)).toBe(365 * DAY);
    });

    it('given a leap year, when a token is generated, then 365 days, not one calendar year', () => {
      const [event] = decide(generate('tok1', HASH_A, '2024-01-15T00:00:00Z'), foldTenant([created, scimOn]));
      expect(event.data).toMatchObject({ createdAt: '2024-01-15T00:00:00.000Z', expiresAt: '2025-01-14T00:00:00.000Z' });
    });

    it('given a clock with an offset, when a token is generated, then its dates are in UTC (rule T2)', () => {
      const [event] = decide(generate('tok1', HASH_A, '2025-03-01T10:00:00+01:00'), foldTenant([created, scimOn]));
      expect(event.data).toMatchObject({ createdAt: NOW, expiresAt: EXPIRES });
    });

    it('given a current token, when another is generated, then ScimTokenRotated naming the previous one', () => {
      const later = '2025-06-01T00:00:00.000Z';
      const laterExpiry = '2026-06-01T00:00:00.000Z';
      given(created, scimOn, tokenGenerated)
        .when(generate('tok2', HASH_B, later))
        .then([
          {
            type: 'ScimTokenRotated',
            data: {
              tokenId: 'tok2',
              tokenHash: HASH_B,
              createdAt: later,
              expiresAt: laterExpiry,
              previousTokenId: 'tok1',
              apiCredentialsEntry: { kind: 'scim', tokenId: 'tok2', createdAt: later, expiresAt: laterExpiry },
            },
          },
        ]);
    });

    it('given a rotation, then the previous hash is gone from state at once (rule T2)', () => {
      const state = active(given(created, scimOn, tokenGenerated).when(generate('tok2', HASH_B)).thenState());
      expect(state.scimToken).toMatchObject({ tokenId: 'tok2', tokenHash: HASH_B });
      expect(JSON.stringify(state)).not.toContain(HASH_A);
    });

    // Pinned where `npm run test:mutation` found them open.
    it('given admin credentials but no SCIM token yet, when one is generated, then the list gains its SCIM entry beside them (rule T4)', () => {
      const state = active(given(created, scimOn, adminIssued).when(generate('tok1', HASH_A)).thenState());
      expect(state.apiCredentials.map((entry) => entry.kind).sort()).toEqual(['admin', 'scim']);
    });

    it("given a rotation, when the previous token's use or reminder is recorded late, then the current token's last use and reminders are untouched (rules T2, T3)", () => {
      const rotated = given(created, scimOn, tokenGenerated).when(generate('tok2', HASH_B)).thenState();
      const late: TenantEvent[] = [
        { type: 'ScimTokenUsed', data: { tokenId: 'tok1', usedAt: '2025-06-02T00:00:00.000Z' } },
        { type: 'ScimTokenExpiryReminderDue', data: { tokenId: 'tok1', daysBefore: 30, expiresAt: EXPIRES, dueAt: '2025-06-02T00:00:00.000Z' } },
      ];
      expect(active(foldTenant(late, rotated)).scimToken).toMatchObject({ tokenId: 'tok2', lastUsedAt: null, remindersRecorded: [] });
    });

    it('given a rotation, then the one SCIM entry of the credentials list is updated in place (rule T4)', () => {
      const state = active(given(created, scimOn, tokenGenerated, adminIssued).when(generate('tok2', HASH_B)).thenState());
      expect(state.apiCredentials).toEqual([
        { kind: 'scim', tokenId: 'tok2', createdAt: NOW, expiresAt: EXPIRES },
        { kind: 'admin', ...adminIssued.data, revokedAt: null },
      ]);
    });

    it('given the same generate command again, then nothing happens', () => {
      given(created, scimOn, tokenGenerated).when(generate('tok1', HASH_A)).then([]);
    });

    it.each([
      ['id', 'tok1', HASH_B],
      ['hash', 'tok2', HASH_A],
    ])('given a current token, when a new one reuses its %s, then refused', (_, tokenId, tokenHash) => {
      given(created, scimOn, tokenGenerated)
        .when(generate(tokenId, tokenHash, '2025-04-01T00:00:00Z'))
        .thenRefused('ScimTokenReused');
    });

    it.each([['the clear token'], ['A'.repeat(64)], ['a'.repeat(63)]])('given a tokenHash of %s, when generated, then refused', (tokenHash) => {
      given(created, scimOn).when(generate('tok1', tokenHash)).thenRefused('InvalidScimToken');
    });

    it.each([['2025-02-30T00:00:00Z'], ['March 1, 2025'], ['2025-03-01T09:00:00']])('given now = %s, when generated, then refused', (now) => {
      given(created, scimOn)
        .when(generate('tok1', HASH_A, now))
        .thenRefused('InvalidTime');
    });

    it('given a tenant not using SCIM, when a token is generated, then refused', () => {
      given(created).when(generate('tok1', HASH_A)).thenRefused('ScimNotEnabled');
    });

    it('given a tenant switched away from SCIM and back, when a token is generated, then the entry is created again', () => {
      const away: TenantEvent = {
        type: 'UserManagementSwitchedFromScim',
        data: { to: 'manual', usersMovedTo: 'manual', deleteScimMappings: false, revokedScimTokenId: 'tok1' },
      };
      const [event] = decide(generate('tok2', HASH_B), foldTenant([created, scimOn, tokenGenerated, away, scimOn]));
      expect(event.type).toBe('ScimTokenGenerated');
    });

    describe('status (rule T3)', () => {
      it('given no token, then none', () => {
        expect(scimTokenStatus(foldTenant([created, scimOn]), NOW)).toBe('none');
        expect(scimTokenStatus(initialTenantState, NOW)).toBe('none');
      });

      it('given a token, then valid until the instant it expires, expired from then on', () => {
        const state = foldTenant([created, scimOn, tokenGenerated]);
        expect(scimTokenStatus(state, before(EXPIRES, 1))).toBe('valid');
        expect(scimTokenStatus(state, EXPIRES)).toBe('expired');
      });

      it('given an expired token rotated, then valid again', () => {
        const state = given(created, scimOn, tokenGenerated)
          .when(generate('tok2', HASH_B, EXPIRES))
          .thenState();
        expect(scimTokenStatus(state, EXPIRES)).toBe('valid');
      });
    });

    describe('use', () => {
      const use = (now: string, tokenId = 'tok1'): TenantCommand => ({ type: 'RecordScimTokenUse', data: { tokenId, now } });
      const usedFirst: TenantEvent = { type: 'ScimTokenUsed', data: { tokenId: 'tok1', usedAt: '2025-03-02T08:00:00.000Z' } };

      it('given a token never used, when used, then ScimTokenUsed and lastUsedAt', () => {
        const when = given(created, scimOn, tokenGenerated).when(use('2025-03-02T08:00:00Z'));
        when.then([usedFirst]);
        expect(active(when.thenState()).scimToken?.lastUsedAt).toBe('2025-03-02T08:00:00.000Z');
      });

      it('given a use today, when used again the same UTC day, then nothing (no per-request noise)', () => {
        given(created, scimOn, tokenGenerated, usedFirst).when(use('2025-03-02T23:59:59Z')).then([]);
      });

      it('given a use yesterday, when used today, then recorded', () => {
        given(created, scimOn, tokenGenerated, usedFirst)
          .when(use('2025-03-03T00:00:00Z'))
          .then([{ type: 'ScimTokenUsed', data: { tokenId: 'tok1', usedAt: '2025-03-03T00:00:00.000Z' } }]);
      });

      it('given a rotated-out or expired token, when used, then nothing', () => {
        given(created, scimOn, tokenGenerated).when(use('2025-03-02T08:00:00Z', 'tok0')).then([]);
        given(created, scimOn, tokenGenerated).when(use(EXPIRES)).then([]);
      });
    });

    describe('expiry reminders (rule T3)', () => {
      const remind = (daysBefore: 30 | 7 | 1, now: string, tokenId = 'tok1'): TenantCommand => ({
        type: 'RecordScimTokenExpiryReminder',
        data: { tokenId, daysBefore, now },
      });
      const withToken = [created, scimOn, tokenGenerated];

      it('given 31 days left, then no reminder is due', () => {
        const now = before(EXPIRES, 31 * DAY);
        expect(dueReminders(foldTenant(withToken), now)).toEqual([]);
        given(...withToken)
          .when(remind(30, now))
          .then([]);
      });

      it('given exactly 30 days left, then the 30-day reminder is due and recorded', () => {
        const now = before(EXPIRES, 30 * DAY);
        expect(dueReminders(foldTenant(withToken), now)).toEqual([30]);
        given(...withToken)
          .when(remind(30, now))
          .then([reminded(30)]);
      });

      it('given the 30-day reminder recorded, when 29 days are left, then nothing again', () => {
        const now = before(EXPIRES, 29 * DAY);
        expect(dueReminders(foldTenant([...withToken, reminded(30)]), now)).toEqual([]);
        given(...withToken, reminded(30))
          .when(remind(30, now))
          .then([]);
      });

      it('given 29 days left and no reminder yet, then the 30-day one is still due (its window is (7, 30] days)', () => {
        expect(dueReminders(foldTenant(withToken), before(EXPIRES, 29 * DAY))).toEqual([30]);
      });

      it('given 6 days left and the 7-day reminder not recorded, then only the 7-day one is due; the missed 30 is skipped', () => {
        const now = before(EXPIRES, 6 * DAY);
        expect(dueReminders(foldTenant(withToken), now)).toEqual([7]);
        given(...withToken)
          .when(remind(30, now))
          .then([]);
        given(...withToken)
          .when(remind(7, now))
          .then([{ type: 'ScimTokenExpiryReminderDue', data: { tokenId: 'tok1', daysBefore: 7, expiresAt: EXPIRES, dueAt: now } }]);
      });

      it('given exactly 7 days left, then the 7-day reminder, not the 30-day one', () => {
        expect(dueReminders(foldTenant([...withToken, reminded(30)]), before(EXPIRES, 7 * DAY))).toEqual([7]);
        expect(dueReminders(foldTenant(withToken), before(EXPIRES, 7 * DAY + 1))).toEqual([30]);
      });

      it('given the 7-day reminder recorded, when 1 day is left, then the 1-day reminder', () => {
        const now = before(EXPIRES, DAY);
        expect(dueReminders(foldTenant([...withToken, reminded(30), reminded(7)]), now)).toEqual([1]);
        given(...withToken, reminded(30), reminded(7))
          .when(remind(1, now))
          .then([reminded(1)]);
      });

      it('given the token expired, then no reminder', () => {
        expect(dueReminders(foldTenant(withToken), EXPIRES)).toEqual([]);
        given(...withToken)
          .when(remind(1, EXPIRES))
          .then([]);
      });

      it('given the token was rotated, when a reminder for the old token is recorded, then nothing', () => {
        given(...withToken)
          .when(remind(30, before(EXPIRES, 30 * DAY), 'tok0'))
          .then([]);
      });

      it('given a rotation, then the new token starts with no reminder recorded', () => {
        const state = active(
          given(...withToken, reminded(30))
            .when({ type: 'GenerateScimToken', data: { tokenId: 'tok2', tokenHash: HASH_B, now: before(EXPIRES, 29 * DAY) } })
            .thenState(),
        );
        expect(state.scimToken?.remindersRecorded).toEqual([]);
      });

      it('given no token, then no reminder', () => {
        expect(dueReminders(foldTenant([created, scimOn]), NOW)).toEqual([]);
      });
    });
  });
});
