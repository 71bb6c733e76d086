import type { EmailHolder, EmailRefusal } from './reservation/email-reservation';
import type { PlacementRefusal } from './provisioning/placement';
import type { ProfileSeatRefusal } from './profile-seats/profile-seats';
import type { TenantRefusal } from './tenant/tenant-refusal';
import type { UserRefusal } from './user/user.decider';
import type { GroupRefusal } from './group/group.decider';

/** Why a write to a user (its address, seat or placement with it) was refused. */
export type ProvisioningRefusalReason = UserRefusal | EmailRefusal | PlacementRefusal | ProfileSeatRefusal;

/**
 * Every reason the domain refuses a command for, whichever rule it was; the
 * HTTP edges choose status and scimType from it, exhaustively (shared/STYLE.md point 19).
 */
export type DomainRefusalReason = TenantRefusal | ProvisioningRefusalReason | GroupRefusal;

/** The facts a refusal carries beyond its message, for the reasons that have any. */
export interface RefusalDetails {
  readonly EmailTaken: { readonly holder: EmailHolder };
  readonly EmailBeingClaimed: { readonly holder: EmailHolder };
  readonly ProfileFull: { readonly profileId: string; readonly maxUsers: number };
}

export type RefusalDetailsOf<R extends DomainRefusalReason> = R extends keyof RefusalDetails ? RefusalDetails[R] : undefined;

/** A rule refused the command: the one error every decider throws, the reason in the domain's words. */
export class DomainRefused<R extends DomainRefusalReason = DomainRefusalReason> extends Error {
  override readonly name = 'DomainRefused';
  readonly details: RefusalDetailsOf<R>;
  constructor(
    readonly reason: R,
    message: string,
    ...details: R extends keyof RefusalDetails ? [details: RefusalDetails[R]] : []
  ) {
    super(message);
    this.details = (details as unknown[])[0] as RefusalDetailsOf<R>;
  }
}

/** Is `error` the domain refusing for one of these reasons? */
export function isRefusal<R extends DomainRefusalReason>(error: unknown, ...reasons: R[]): error is DomainRefused<R> {
  return error instanceof DomainRefused && (reasons as DomainRefusalReason[]).includes(error.reason);
}
