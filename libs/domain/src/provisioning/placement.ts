import type { IdpAttributes, UserPlacement } from '../user/user.events';
import type { Profile, TenantState } from '../tenant/tenant.decider';
import { firstMatching } from '../tenant/scim-mapping-filter';
import { DomainRefused } from '../domain-refused';
import { missingAttributeOf, RequiredAttributes } from '../user/required-attributes';

/** Rule M4's detail, word for word as the vendor words it. */
export const NO_MAPPING_MATCHED = 'None of the SCIM Mapping matched to create user.';

export type PlacementRefusal =
  /** Rule M4: no mapping matched (or userName/displayName missing). */
  | 'NoMappingMatched'
  /** Rule M6: the matched mapping's storage is unhealthy. */
  | 'StorageUnhealthy'
  /** Rule T6: the tenant does not manage its users with SCIM. */
  | 'ScimNotEnabled'
  /** Rule L10: no active licence left, or the tenant holds all the users its licences allow. */
  | 'LicenceLimitReached';

/**
 * Rule M4 on an IdP's create: a user without userName or a display name
 * (rule L1) matches no mapping, and is refused in the vendor's words before
 * anything is placed or claimed for it.
 */
export function refuseUnmappableUser(user: RequiredAttributes): void {
  if (missingAttributeOf(user)) throw new DomainRefused('NoMappingMatched', NO_MAPPING_MATCHED);
}

export interface Placed {
  readonly placement: UserPlacement;
  readonly profile: Profile;
}

/**
 * Rules M2–M4 and M6: where the tenant's mappings, tried in order, send a new
 * user with these attributes. Pure: the tenant's state comes in.
 */
export function placeNewUser(tenant: TenantState, attributes: IdpAttributes): Placed {
  if (tenant.status !== 'Active' || tenant.userManagement !== 'scim') {
    throw new DomainRefused('ScimNotEnabled', 'the tenant does not manage its users with SCIM');
  }
  const mapping = firstMatching(tenant.scimMappings, attributes);
  if (!mapping) throw new DomainRefused('NoMappingMatched', NO_MAPPING_MATCHED);
  const profile = tenant.profiles.find((p) => p.profileId === mapping.profileId);
  const storage = tenant.storages.find((s) => s.storageId === mapping.storageId);
  // Rule M7 keeps both in place; a mapping pointing nowhere matches nothing.
  if (!profile || !storage) throw new DomainRefused('NoMappingMatched', NO_MAPPING_MATCHED);
  if (storage.health !== 'healthy') {
    throw new DomainRefused('StorageUnhealthy', `storage ${storage.name} (${storage.storageId}) of mapping ${mapping.name} is unhealthy`);
  }
  const { mappingId, quota, sendActivationEmail } = mapping;
  return { placement: { mappingId, profileId: profile.profileId, storageId: storage.storageId, quota, sendActivationEmail }, profile };
}
