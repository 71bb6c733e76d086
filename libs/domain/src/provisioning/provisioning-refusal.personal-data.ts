import type { PersonalFields } from '../stream-module';
import { SHREDDED, tenantSubject, userSubject } from '../personal-data';
import { isProvisioningRefusal } from './provisioning-refusal';

const REFUSAL_PERSONAL_FIELDS = { userName: null, detail: SHREDDED } as const;

/** A refusal names the user it refused, or, before there is one (a refused create), belongs to the tenant. */
export function personalDataOfRefusal(tenantId: string, event: { readonly type: string; readonly data: Record<string, unknown> }): PersonalFields | null {
  if (!isProvisioningRefusal(event)) return null;
  const refusedUserId = event.data.userId;
  return { subjectId: typeof refusedUserId === 'string' ? userSubject(refusedUserId) : tenantSubject(tenantId), placeholders: REFUSAL_PERSONAL_FIELDS };
}
