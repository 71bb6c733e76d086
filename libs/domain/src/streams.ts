import { emailReservationStream } from './reservation/email-reservation.stream';
import { ProfileOfTenant, profileSeatsStream } from './profile-seats/profile-seats.stream';
import { provisioningRefusalsStream } from './provisioning/provisioning-refusals.stream';
import { tenantStream } from './tenant/tenant.stream';
import { userStream } from './user/user.stream';
import { groupNameClaimStream, groupStream } from './group/group.stream';
import type { PersonalFields } from './stream-module';

/** Which kind of stream an id names, and whose it is: for readers of `$all` (projector, verification, exports). */
export type StreamOf =
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'email-reservation'; readonly addressDigest: string }
  | ({ readonly kind: 'profile-seats' } & ProfileOfTenant)
  | { readonly kind: 'provisioning-refusals'; readonly tenantId: string }
  | { readonly kind: 'group'; readonly groupId: string }
  | { readonly kind: 'group-name-claim'; readonly nameDigest: string };

/** Null for a stream no kind of the domain names (an event store's own, the personal-data keys). */
export function streamOf(streamId: string): StreamOf | null {
  const userId = userStream.name.parse(streamId);
  if (userId !== null) return { kind: 'user', userId };
  const tenantId = tenantStream.name.parse(streamId);
  if (tenantId !== null) return { kind: 'tenant', tenantId };
  const addressDigest = emailReservationStream.name.parse(streamId);
  if (addressDigest !== null) return { kind: 'email-reservation', addressDigest };
  const seats = profileSeatsStream.name.parse(streamId);
  if (seats !== null) return { kind: 'profile-seats', ...seats };
  const refusalsOf = provisioningRefusalsStream.name.parse(streamId);
  if (refusalsOf !== null) return { kind: 'provisioning-refusals', tenantId: refusalsOf };
  const groupId = groupStream.name.parse(streamId);
  if (groupId !== null) return { kind: 'group', groupId };
  const nameDigest = groupNameClaimStream.name.parse(streamId);
  if (nameDigest !== null) return { kind: 'group-name-claim', nameDigest };
  return null;
}

/** What the personal-data policy reads of a stream module (as a method, so any module's entity type fits). */
interface PersonalDataOfKind {
  readonly name: { parse(streamId: string): unknown };
  personalData?(id: unknown, event: { readonly type: string; readonly data: Record<string, unknown> }): PersonalFields | null;
}

/** The event store's personal-data policy for one stream kind: none when its events name no person. */
function personalDataPolicyOf(module: PersonalDataOfKind): PersonalDataPolicy | null {
  if (!module.personalData) return null;
  return (streamId, event) => {
    const id = module.name.parse(streamId);
    return id === null ? null : (module.personalData?.(id, event) ?? null);
  };
}

type PersonalDataPolicy = (streamId: string, event: { readonly type: string; readonly data: Record<string, unknown> }) => PersonalFields | null;

/**
 * Every stream kind of the domain. A new kind is listed here: its events'
 * personal fields are sealed by what its module says (personalData).
 */
export const STREAM_MODULES = [
  userStream,
  tenantStream,
  emailReservationStream,
  profileSeatsStream,
  provisioningRefusalsStream,
  groupStream,
  groupNameClaimStream,
] as const;

const PERSONAL_DATA_POLICIES = STREAM_MODULES.map((module: PersonalDataOfKind) => personalDataPolicyOf(module)).filter((policy) => policy !== null);

/**
 * Crypto-shredding (README, "Personal data"): the policy the event store
 * applies (PersonalDataPolicy in @scim-ledger/event-store), each event's
 * personal fields as its stream kind's module says.
 */
export function personalFieldsOf(streamId: string, event: { readonly type: string; readonly data: Record<string, unknown> }): PersonalFields | null {
  for (const policy of PERSONAL_DATA_POLICIES) {
    const fields = policy(streamId, event);
    if (fields) return fields;
  }
  return null;
}
