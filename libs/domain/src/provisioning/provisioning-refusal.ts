/**
 * Rule S2: a refused provisioning attempt is visible to the admin too, not
 * only in the IdP's logs. Refusals change no user, so they go to a stream of
 * their own per tenant and into the audit trail with the IdP's request id.
 */
export interface ProvisioningRefused {
  readonly type: 'ProvisioningRefused';
  readonly data: {
    readonly operation: 'create' | 'replace' | 'patch' | 'delete' | 'authenticate';
    /** The userName the IdP sent, when the request named one. */
    readonly userName: string | null;
    readonly userId: string | null;
    /** The group a refused PATCH, PUT or DELETE of /Groups/{id} named; absent from refusals of users (and from those before groups). */
    readonly groupId?: string;
    /** Why, in the domain's words: NoMappingMatched, ProfileFull, StorageUnhealthy, EmailTaken, TokenExpired… */
    readonly reason: string;
    readonly status: number;
    readonly scimType: string | null;
    readonly detail: string;
  };
}

export const PROVISIONING_REFUSAL_EVENT_SCHEMA_VERSIONS: Readonly<Record<ProvisioningRefused['type'], number>> = {
  ProvisioningRefused: 1,
};

export function isProvisioningRefusal(event: { type: string }): event is ProvisioningRefused {
  return event.type === 'ProvisioningRefused';
}

/** Recording a refusal: every refusal is recorded, none depends on the ones before (rule S2). */
export type ProvisioningRefusalCommand = { readonly type: 'RecordProvisioningRefusal'; readonly data: ProvisioningRefused['data'] };

/** A refusals stream is only read back as the audit trail: it folds into nothing. */
export type ProvisioningRefusalsState = null;

export function decideProvisioningRefusal(command: ProvisioningRefusalCommand, _state: ProvisioningRefusalsState): ProvisioningRefused[] {
  return [{ type: 'ProvisioningRefused', data: command.data }];
}
