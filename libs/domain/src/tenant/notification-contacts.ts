import { NotificationContactsSet, TenantEvent } from './tenant.events';
import { DomainRefused } from '../domain-refused';
import { addressFault, canonicalAddress } from '../text/canonical-address';
import { fitsWidth, TEXT_WIDTH } from '../text/stored-text';
import { Tenant } from './tenant.state';

/** Rule T3: enough for a tenant's admins and a shared mailbox; a bound keeps the event and each mail's envelope small. */
export const MAX_NOTIFICATION_CONTACTS = 20;

/**
 * Rule T3 (revised): the addresses a tenant's expiry reminders go to, managed
 * by its admin. The whole list is set at once: it is short, and one event per
 * change keeps the audit trail readable.
 */
export type NotificationContactsCommand = { readonly type: 'SetNotificationContacts'; readonly data: { contacts: readonly string[] } };

export type NotificationContactsEvent = NotificationContactsSet;

export function decideNotificationContacts(command: NotificationContactsCommand, tenant: Tenant): TenantEvent[] {
  switch (command.type) {
    case 'SetNotificationContacts': {
      const contacts = validContacts(command.data.contacts);
      const same = contacts.length === tenant.notificationContacts.length && contacts.every((c, i) => c === tenant.notificationContacts[i]);
      return same ? [] : [{ type: 'NotificationContactsSet', data: { contacts } }];
    }
    default: {
      const unknown: never = command.type;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolveNotificationContacts(tenant: Tenant, event: NotificationContactsEvent): Tenant {
  switch (event.type) {
    case 'NotificationContactsSet':
      return { ...tenant, notificationContacts: event.data.contacts };
    default: {
      const unknown: never = event.type;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * A mailbox as SMTP takes it: one `@` between a local part and a domain, with
 * nothing a header or an envelope would read as a separator or a second
 * recipient (spaces, `<>`, `,;`, quotes, brackets).
 */
const MAILBOX = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+\.[^\s@<>,;:"()[\]\\.]+$/u;

/** A host name's label (RFC 1123 §2.1, letters of any script for IDNs): no `_`, no `-` at either end, 1–63 long. */
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

/**
 * What a mail server would refuse although MAILBOX lets it through (the attack
 * on issue 20, finding 1): dots at the ends of the local part or two in a row
 * (RFC 5322 dot-atom), an empty or malformed domain label, an all-numeric top
 * level (a bare IPv4 address is not a mail domain here).
 */
function deliverableShape(address: string): boolean {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const labels = address.slice(at + 1).split('.');
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) return false;
  return !/^\d+$/.test(labels[labels.length - 1]);
}

/**
 * Trimmed; duplicates by canonical address (the form under which users'
 * addresses are unique, rule L8) are dropped, the first spelling kept, so
 * `Ada@Example.com` and `ada@example.com` are one contact. The order the admin
 * gave is kept.
 */
function validContacts(given: readonly string[]): string[] {
  if (!Array.isArray(given)) throw new DomainRefused('InvalidNotificationContacts', 'contacts must be a list of email addresses');
  const contacts: string[] = [];
  const seen = new Set<string>();
  for (const entry of given) {
    if (typeof entry !== 'string') throw new DomainRefused('InvalidNotificationContacts', 'each contact must be an email address');
    const address = entry.trim();
    const fault = addressFault(address);
    if (fault) throw new DomainRefused('InvalidNotificationContacts', `contact ${JSON.stringify(address)} ${fault}`);
    if (!MAILBOX.test(address) || !deliverableShape(address))
      throw new DomainRefused('InvalidNotificationContacts', `contact ${JSON.stringify(address)} is not an email address`);
    const canonical = canonicalAddress(address);
    if (!fitsWidth(TEXT_WIDTH.notificationContact, address, canonical)) {
      throw new DomainRefused('InvalidNotificationContacts', `a contact is longer than ${TEXT_WIDTH.notificationContact} characters`);
    }
    if (seen.has(canonical)) continue;
    seen.add(canonical);
    contacts.push(address);
  }
  if (contacts.length > MAX_NOTIFICATION_CONTACTS) {
    throw new DomainRefused('InvalidNotificationContacts', `at most ${MAX_NOTIFICATION_CONTACTS} notification contacts`);
  }
  return contacts;
}
