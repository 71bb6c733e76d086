import type { PersonalFields } from '../stream-module';
import { tenantSubject } from '../personal-data';

/**
 * The tenant's notification contacts are its admins' own mailboxes, so
 * personal data (rule T3; README, "Personal data"): sealed with the tenant's
 * key, shredded with the tenant. Shredded, the list reads empty. The delivery
 * events name no address, only whether the contacts or the fallback got it.
 */
export function personalDataOfTenantEvent(tenantId: string, event: { readonly type: string }): PersonalFields | null {
  return event.type === 'NotificationContactsSet' ? { subjectId: tenantSubject(tenantId), placeholders: { contacts: [] } } : null;
}
