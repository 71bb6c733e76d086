import { emailReservationStream } from './reservation/email-reservation.stream';
import { ProfileOfTenant, profileSeatsStream } from './profile-seats/profile-seats.stream';
import { provisioningRefusalsStream } from './provisioning/provisioning-refusals.stream';
import { tenantStream } from './tenant/tenant.stream';
import { userStream } from './user/user.stream';

/** Which kind of stream an id names, and whose it is: for readers of `$all` (projector, verification, exports). */
export type StreamOf =
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'email-reservation'; readonly addressDigest: string }
  | ({ readonly kind: 'profile-seats' } & ProfileOfTenant)
  | { readonly kind: 'provisioning-refusals'; readonly tenantId: string };

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
  return null;
}
