import type { IdpAttributes, UserPlacement } from '../user/user.events';
import type { Profile, TenantState } from '../tenant/tenant.decider';
import type { ScimMapping } from '../tenant/tenant.state';
import { attributeValueText, firstMatching } from '../tenant/scim-mapping-filter';
import { DomainRefused } from '../domain-refused';
import { missingAttributeOf, RequiredAttributes, requiredDetail } from '../user/required-attributes';
import { characterCount, firstCharacters } from '../text/stored-text';

/** Rule M4's detail begins with this sentence, word for word as the vendor words it (admins search for it). */
export const NO_MAPPING_MATCHED = 'None of the SCIM Mapping matched to create user.';

/** Rule M4: the vendor's sentence, then why, so the admin looks in the right place. */
export const noMappingMatched = (why: string) => `${NO_MAPPING_MATCHED} ${why}`;

/** Bounds on the mappings a refusal lists and the text it quotes, so a detail stays short whatever the tenant and the IdP hold. */
const MAPPINGS_LISTED = 10;
const QUOTED_CHARACTERS = 64;

export type PlacementRefusal =
  /** Rule M4: no mapping matched (or userName, or a display name, missing). */
  | 'NoMappingMatched'
  /** Rule M6: the matched mapping's storage is unhealthy. */
  | 'StorageUnhealthy'
  /** Rule T6: the tenant does not manage its users with SCIM. */
  | 'ScimNotEnabled'
  /** Rule L10: no active licence left, or the tenant holds all the users its licences allow. */
  | 'LicenceLimitReached';

/**
 * Rule M4 on an IdP's create: a user without userName, or without a display
 * name sent or derivable from its name (rule L1), matches no mapping, and is
 * refused in the vendor's words, then what is missing, before anything is
 * placed or claimed for it.
 */
export function refuseUnmappableUser(user: RequiredAttributes): void {
  const missing = missingAttributeOf(user);
  if (missing) throw new DomainRefused('NoMappingMatched', noMappingMatched(requiredDetail(missing)));
}

/** Rule M4's why when no mapping matched: each mapping tried, in order, on the value the user sent for its attribute. */
function mappingsTried(mappings: readonly ScimMapping[], attributes: IdpAttributes): string {
  if (mappings.length === 0) return 'The tenant has no SCIM mapping.';
  const tried = mappings.slice(0, MAPPINGS_LISTED).map(({ name, filter: { attribute } }) => {
    const sent = Object.prototype.hasOwnProperty.call(attributes, attribute) ? attributeValueText(attributes[attribute]) : null;
    return `${quoted(name)} on ${cut(attribute)} (${sent === null ? 'not sent' : `sent: ${quoted(sent)}`})`;
  });
  const rest = mappings.length - tried.length;
  return `Mappings tried, in order: ${tried.join('; ')}${rest > 0 ? `; and ${rest} more` : ''}.`;
}

const cut = (text: string) => (characterCount(text) > QUOTED_CHARACTERS ? `${firstCharacters(text, QUOTED_CHARACTERS)}…` : text);
const quoted = (text: string) => `"${cut(text)}"`;

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
  if (!mapping) throw new DomainRefused('NoMappingMatched', noMappingMatched(mappingsTried(tenant.scimMappings, attributes)));
  const profile = tenant.profiles.find((p) => p.profileId === mapping.profileId);
  const storage = tenant.storages.find((s) => s.storageId === mapping.storageId);
  // Rule M7 keeps both in place; a mapping pointing nowhere matches nothing.
  if (!profile || !storage) {
    throw new DomainRefused(
      'NoMappingMatched',
      noMappingMatched(`${quoted(mapping.name)} matched, but its ${profile ? 'storage' : 'profile'} no longer exists.`),
    );
  }
  if (storage.health !== 'healthy') {
    throw new DomainRefused('StorageUnhealthy', `storage ${storage.name} (${storage.storageId}) of mapping ${mapping.name} is unhealthy`);
  }
  const { mappingId, quota, sendActivationEmail } = mapping;
  return { placement: { mappingId, profileId: profile.profileId, storageId: storage.storageId, quota, sendActivationEmail }, profile };
}
