import type { IdpAttributes, UserPlacement } from '../user/user.events';
import type { Profile, TenantState } from '../tenant/tenant.decider';
import { firstMatching } from '../tenant/scim-mapping-filter';
import { DomainRefused } from '../domain-refused';

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
