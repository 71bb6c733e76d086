import { EmailRefusal, EmailReservationRefused } from '../reservation/email-reservation';
import { ProfileFull } from '../profile-seats/profile-seats';
import { UserCommandRefused, UserRefusal } from '../user/user.decider';
import { PlacementRefusal, PlacementRefused } from './placement';

/** Why a provisioning write was refused, in the domain's words; the HTTP edges choose statuses from it (shared/STYLE.md point 19). */
export type ProvisioningRefusalReason = UserRefusal | EmailRefusal | PlacementRefusal | 'ProfileFull';

export interface DomainRefusal {
  readonly reason: ProvisioningRefusalReason;
  readonly message: string;
}

/** The refusal a decider threw, whichever of the user, address, seat or placement rules it was; null for any other error. */
export function domainRefusalOf(error: unknown): DomainRefusal | null {
  if (error instanceof UserCommandRefused || error instanceof EmailReservationRefused || error instanceof PlacementRefused) {
    return { reason: error.reason, message: error.message };
  }
  if (error instanceof ProfileFull) return { reason: 'ProfileFull', message: error.message };
  return null;
}
