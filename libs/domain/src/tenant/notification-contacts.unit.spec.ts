import { TenantCommand } from './tenant.decider';
import { TenantEvent } from './tenant.events';
import { tenantStream } from './tenant.stream';
import { active, created, given } from '../testing/tenant-history';
import { MAX_NOTIFICATION_CONTACTS } from './notification-contacts';

describe('Tenant decider', () => {
  describe('notification contacts (rule T3: reminders go to the tenant’s admins)', () => {
    const set = (...contacts: string[]): TenantCommand => ({ type: 'SetNotificationContacts', data: { contacts } });
    const contactsSet = (...contacts: string[]): TenantEvent => ({ type: 'NotificationContactsSet', data: { contacts } });

    it('given a tenant, when its admin sets contacts, then NotificationContactsSet with them trimmed, in the order given', () => {
      given(created)
        .when(set(' ops@acme.example ', 'ada@acme.example'))
        .then([contactsSet('ops@acme.example', 'ada@acme.example')]);
    });

    it('given the same contacts, when set again, then nothing: idempotent', () => {
      given(created, contactsSet('ops@acme.example')).when(set('ops@acme.example')).then([]);
    });

    it('given a tenant without contacts, when an empty list is set, then nothing', () => {
      given(created).when(set()).then([]);
    });

    it('given contacts, when an empty list is set, then they are cleared (reminders fall back to the operator)', () => {
      const state = active(given(created, contactsSet('ops@acme.example')).when(set()).thenState());
      expect(state.notificationContacts).toEqual([]);
    });

    it('given one mailbox spelt twice (case, fullwidth letters), when set, then it is one contact, the first spelling kept', () => {
      given(created)
        .when(set('Ada@Acme.example', 'ada@ACME.example', 'ａｄａ@acme.example', 'ops@acme.example'))
        .then([contactsSet('Ada@Acme.example', 'ops@acme.example')]);
    });

    it.each([
      ['no @', 'ops.acme.example'],
      ['no domain dot', 'ops@localhost'],
      ['a space', 'ops team@acme.example'],
      ['a second recipient', 'ops@acme.example, evil@x.example'],
      ['angle brackets', 'Ops <ops@acme.example>'],
      ['a line break', 'ops@acme.example\r\nBcc: evil@x.example'],
      ['a zero-width space', 'ops\u200b@acme.example'],
      ['nothing', '  '],
      // The attack on issue 20, finding 1: shapes a mail server refuses.
      ['two dots in the local part', 'a..b@acme.com'],
      ['a leading dot', '.a@acme.com'],
      ['an empty domain label', 'a@acme..com'],
      ['an underscore in the host', 'a@acme_x.com'],
      ['a dash at a label end', 'a@-bad-.com'],
      ['a bare IPv4 address', 'a@127.0.0.1'],
      ['an all-numeric top level', 'a@acme.123'],
    ])('given %s, when set, then InvalidNotificationContacts', (_, address) => {
      given(created).when(set(address)).thenRefused('InvalidNotificationContacts');
    });

    it.each([
      ['plus addressing', 'it+scim@acme.example'],
      ['an IDN domain', 'ops@bücher.example'],
      ['a sub-domain', 'a.b-c@mail.acme.co.uk'],
    ])('given %s, when set, then it is kept', (_, address) => {
      expect(given(created).when(set(address)).thenState()).toMatchObject({ notificationContacts: [address] });
    });

    it('given an address longer than 254 characters, when set, then InvalidNotificationContacts', () => {
      given(created)
        .when(set(`${'a'.repeat(250)}@acme.example`))
        .thenRefused('InvalidNotificationContacts');
    });

    it(`given ${MAX_NOTIFICATION_CONTACTS + 1} different addresses, when set, then InvalidNotificationContacts; ${MAX_NOTIFICATION_CONTACTS} pass`, () => {
      const addresses = Array.from({ length: MAX_NOTIFICATION_CONTACTS + 1 }, (_, i) => `admin${i}@acme.example`);
      given(created)
        .when(set(...addresses))
        .thenRefused('InvalidNotificationContacts');
      given(created)
        .when(set(...addresses.slice(1)))
        .then([contactsSet(...addresses.slice(1))]);
    });

    it('given a list that is not one of strings, when set, then InvalidNotificationContacts, never a crash', () => {
      given(created)
        .when({ type: 'SetNotificationContacts', data: { contacts: [42 as unknown as string] } })
        .thenRefused('InvalidNotificationContacts');
    });

    it('given the event, then its contacts are personal data sealed with the tenant’s key, shredded as an empty list', () => {
      expect(tenantStream.personalData?.('t1', { type: 'NotificationContactsSet', data: { contacts: ['ops@acme.example'] } })).toEqual({
        subjectId: 'tenant:t1',
        placeholders: { contacts: [] },
      });
      expect(tenantStream.personalData?.('t1', { type: 'TenantCreated', data: { tenantId: 't1' } })).toBeNull();
    });
  });
});
