import type { EventMetadata } from '../event-metadata';
import { evolve, initialUserState, UserState } from './user.decider';
import type { StoredEvent } from '../stream-module';
import { upcastUserEvent, UserEvent } from './user.events';
import { attributePathName, sameValue, UserAttributes, UserAttributeValue } from './user-attributes';

/** One stored event of a user's stream, as the history reads it. */
export interface StoredUserEvent extends StoredEvent {
  readonly revision: number;
}

export interface AttributeChange {
  readonly attribute: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** What happened to a user, one event at a time (rules S1, S3). */
export interface HistoryEntry {
  readonly revision: number;
  readonly type: string;
  readonly occurredAt: string | null;
  readonly actor: { readonly kind: string; readonly id: string } | null;
  readonly userAgent: string | null;
  readonly clientAddress: string | null;
  readonly requestId: string | null;
  /** One line a person reads: "Preserved: deactivated by Microsoft Entra ID, request 6f1…". */
  readonly summary: string;
  /** The attributes this event changed, before and after. */
  readonly changes: readonly AttributeChange[];
  /** A membership change's (rule G2): the group's stream, whose revision `revision` is, and the group as it was named then. */
  readonly streamId?: string;
  readonly group?: { readonly id: string; readonly displayName: string };
}

/**
 * One change of a user's memberships, as a group event made it (rule G2): a
 * group's event names many users, so each member's share of it is read on its
 * own (the read model's user_membership_changes), never by folding every
 * group's stream.
 */
export interface UserMembershipChange {
  readonly groupId: string;
  /** The group's display name when the change happened. */
  readonly groupDisplayName: string;
  /** group_deleted: the group went, and the membership with it (rule G1). */
  readonly change: 'added' | 'removed' | 'group_deleted';
  readonly streamId: string;
  readonly revision: number;
  readonly eventType: string;
  readonly occurredAt: string;
  readonly actor: { readonly kind: string; readonly id: string } | null;
  readonly userAgent: string | null;
  readonly clientAddress: string | null;
  readonly requestId: string | null;
}

/**
 * Folds a user's stream, oldest first, into its history: each event with who,
 * when, from where, a summary and the attribute diff it caused. Pure: the
 * events come in, so the history is the same every time it is read.
 */
export function userHistory(
  stored: readonly StoredUserEvent[],
  memberships: readonly UserMembershipChange[] = [],
): { entries: HistoryEntry[]; state: UserState } {
  let state: UserState = initialUserState;
  const entries: HistoryEntry[] = [];
  for (const event of stored) {
    const metadata = event.metadata as Partial<EventMetadata>;
    const current = upcastUserEvent(event);
    const next = evolve(state, current);
    const requestId = metadata.requestId ?? null;
    const changes = attributeChanges(state, next);
    entries.push({
      revision: event.revision,
      type: event.type,
      occurredAt: metadata.occurredAt ?? null,
      actor: metadata.actor ?? null,
      userAgent: metadata.userAgent ?? null,
      clientAddress: metadata.clientAddress ?? null,
      requestId,
      summary: `${summaryOf(current, whoActed(metadata), changes)}${requestId ? `, request ${requestId}` : ''}`,
      changes,
    });
    state = next;
  }
  return { entries: inTimeOrder(entries, [...memberships].sort(byOccurrence).map(membershipEntry)), state };
}

/**
 * Rule G2: the groups the user was a member of at a moment (the changes that
 * occurred at or before it; all of them without one), each by the name it had
 * at its last membership change, ordered by name.
 */
export function membershipsAsOf(memberships: readonly UserMembershipChange[], until: string | null): { id: string; displayName: string }[] {
  const cutoff = until === null ? null : Date.parse(until);
  const groups = new Map<string, string>();
  for (const change of [...memberships].sort(byOccurrence)) {
    if (cutoff !== null && Date.parse(change.occurredAt) > cutoff) continue;
    if (change.change === 'added') groups.set(change.groupId, change.groupDisplayName);
    else groups.delete(change.groupId);
  }
  return [...groups].map(([id, displayName]) => ({ id, displayName })).sort((a, b) => a.displayName.localeCompare(b.displayName) || a.id.localeCompare(b.id));
}

/** A group's own events in their order, and any two groups' by when they occurred. */
function byOccurrence(a: UserMembershipChange, b: UserMembershipChange): number {
  if (a.streamId === b.streamId) return a.revision - b.revision;
  return a.occurredAt.localeCompare(b.occurredAt) || a.streamId.localeCompare(b.streamId);
}

/** The user's own entries and its membership changes in one list by time; at the same instant the user's own come first. */
function inTimeOrder(own: readonly HistoryEntry[], memberships: readonly HistoryEntry[]): HistoryEntry[] {
  const merged: HistoryEntry[] = [];
  let m = 0;
  for (const entry of own) {
    while (m < memberships.length && entry.occurredAt !== null && memberships[m].occurredAt! < entry.occurredAt) merged.push(memberships[m++]);
    merged.push(entry);
  }
  return [...merged, ...memberships.slice(m)];
}

function membershipEntry(change: UserMembershipChange): HistoryEntry {
  const who = whoActed({ actor: (change.actor ?? undefined) as EventMetadata['actor'] | undefined, userAgent: change.userAgent });
  const name = JSON.stringify(change.groupDisplayName);
  const what =
    change.change === 'added'
      ? `Added to group ${name} by ${who}`
      : change.change === 'removed'
        ? `Removed from group ${name} by ${who}`
        : `No longer in group ${name}: the group was deleted by ${who}`;
  return {
    revision: change.revision,
    type: change.eventType,
    occurredAt: change.occurredAt,
    actor: change.actor,
    userAgent: change.userAgent,
    clientAddress: change.clientAddress,
    requestId: change.requestId,
    summary: `${what}${change.requestId ? `, request ${change.requestId}` : ''}`,
    changes: [
      change.change === 'added'
        ? { attribute: 'groups', from: null, to: { value: change.groupId, display: change.groupDisplayName } }
        : { attribute: 'groups', from: { value: change.groupId, display: change.groupDisplayName }, to: null },
    ],
    streamId: change.streamId,
    group: { id: change.groupId, displayName: change.groupDisplayName },
  };
}

/** Rule S3: the user as it stood at a moment (events that occurred at or before it) or after a revision. */
export function userStateAsOf(stored: readonly StoredUserEvent[], asOf: { until?: string; revision?: number }): UserState {
  const until = asOf.until === undefined ? null : Date.parse(asOf.until);
  const upTo = stored.filter((event) => {
    if (asOf.revision !== undefined && event.revision > asOf.revision) return false;
    const occurredAt = (event.metadata as Partial<EventMetadata>).occurredAt;
    return until === null || (occurredAt !== undefined && Date.parse(occurredAt) <= until);
  });
  return upTo.reduce((state, event) => evolve(state, upcastUserEvent(event)), initialUserState);
}

/** The IdP a SCIM client's user agent names, for summaries a person reads. */
export function identityProviderOf(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  if (/microsoft|azure|aad|entra/i.test(userAgent)) return 'Microsoft Entra ID';
  if (/okta/i.test(userAgent)) return 'Okta';
  if (/onelogin/i.test(userAgent)) return 'OneLogin';
  return null;
}

function whoActed(metadata: Partial<EventMetadata>): string {
  const actor = metadata.actor;
  switch (actor?.kind) {
    case 'scim-token':
      return identityProviderOf(metadata.userAgent) ?? `the IdP (${metadata.userAgent ?? 'SCIM token'})`;
    case 'admin-credential':
      return `an administrator (credential ${actor.id})`;
    case 'operator':
      return 'the operator';
    case 'system':
      return `scim-ledger (${actor.id})`;
    default:
      return 'someone unknown';
  }
}

function summaryOf(event: UserEvent, who: string, changes: readonly AttributeChange[]): string {
  switch (event.type) {
    case 'UserCreated': {
      const placed = event.data.placement;
      const where = placed ? ` in profile ${placed.profileId} on storage ${placed.storageId} (mapping ${placed.mappingId})` : '';
      return `Created as ${event.data.userName} by ${who}${where}`;
    }
    case 'UserAttributesIgnored':
      return `Sent attributes that are not kept (rule A3, A4), nothing changed: ${event.data.names.join(', ')}, by ${who}`;
    case 'UserAdoptedByIdp':
      return `Adopted by ${who}: the user made by hand is now SCIM-managed`;
    case 'UserRenamed':
    case 'UserAttributesChanged':
    case 'UserEmailChanged':
    case 'UserExternalIdChanged':
    case 'UserPrincipalNameChanged':
      // What really changed, from the diff: a new givenName alone is not "renamed to" the display name it kept.
      return changes.length > 0 ? `Changed ${changes.map(changeInWords).join(', ')} by ${who}` : `Attributes sent again unchanged by ${who}`;
    case 'UserPreserved':
      if (event.data.cause === 'preserved_by_admin') return `Preserved by ${who}: the IdP cannot reactivate it`;
      return `Preserved: ${event.data.cause === 'deleted_in_idp' ? 'deleted' : 'deactivated'} by ${who}`;
    case 'UserReactivated':
      return `Reactivated by ${who}`;
    case 'UserDeletedInIdp':
      return `Deleted in the IdP by ${who}: gone for the IdP, kept as Preserved`;
    case 'UserPlacedOnLegalHold':
      return `Placed on legal hold by ${who}`;
    case 'UserReleasedFromLegalHold':
      return `Released from legal hold by ${who}`;
    case 'UserDeletedPermanently':
      if (event.data.reason === 'auto_delete_preserved') return `Deleted for good by ${who}: preserved longer than its profile keeps preserved users`;
      if (event.data.reason === 'tenant_deleted') return `Deleted for good by ${who} with its whole tenant`;
      return `Deleted for good by ${who}`;
    default: {
      const unknown: never = event;
      return `Unknown event ${(unknown as { type: string }).type}`;
    }
  }
}

/** `title to "Engineer"`, `nickName removed`, a list or an object by its name alone: one line stays one line. */
function changeInWords(change: AttributeChange): string {
  if (change.to === null) return `${change.attribute} removed`;
  if (typeof change.to === 'string') return `${change.attribute} to ${JSON.stringify(change.to.length > 60 ? `${change.to.slice(0, 59)}…` : change.to)}`;
  if (typeof change.to === 'boolean' || typeof change.to === 'number') return `${change.attribute} to ${String(change.to)}`;
  return change.attribute;
}

/** The user's attributes, flat, so two states compare attribute by attribute. */
function attributesOf(state: UserState): Record<string, unknown> {
  if (state.status === 'Initial') return {};
  if (state.status === 'Deleted') return { status: 'Deleted' };
  const placement = state.placement;
  const { attributes, ...profile } = state.profile;
  return {
    status: state.status,
    ...profile,
    ...flattened([], attributes),
    provisionedBy: state.provisionedBy,
    legalHold: state.legalHold,
    preservedBy: state.status === 'Preserved' ? state.preservedBy : null,
    deletedInIdp: state.status === 'Preserved' ? state.deletedInIdp : false,
    mappingId: placement?.mappingId ?? null,
    profileId: placement?.profileId ?? null,
    storageId: placement?.storageId ?? null,
    quota: placement ? `${placement.quota.amount} ${placement.quota.unit}` : null,
    sendActivationEmail: placement?.sendActivationEmail ?? null,
  };
}

function attributeChanges(before: UserState, after: UserState): AttributeChange[] {
  const [from, to] = [attributesOf(before), attributesOf(after)];
  const names = [...new Set([...Object.keys(from), ...Object.keys(to)])];
  return names
    .filter((name) => !sameValue((from[name] ?? null) as UserAttributeValue, (to[name] ?? null) as UserAttributeValue))
    .map((name) => ({ attribute: name, from: from[name] ?? null, to: to[name] ?? null }));
}

/** The kept attributes by their names as a person reads them (name.middleName, urn:…:User:department); a multi-valued one whole. */
function flattened(path: readonly string[], attributes: UserAttributes): Record<string, UserAttributeValue> {
  const flat: Record<string, UserAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.assign(flat, flattened([...path, name], value as UserAttributes));
    else flat[attributePathName([...path, name])] = value;
  }
  return flat;
}
