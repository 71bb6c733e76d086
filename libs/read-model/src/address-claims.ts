import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  addressClaimStreamId,
  addressDigest,
  CommandMetadata,
  decideEmailReservation,
  EMAIL_RESERVATION_EVENT_SCHEMA_VERSIONS,
  EmailReservationEvent,
  emailKey,
  eventMetadata,
  foldEmailReservation,
  isEmailReservationEvent,
  sanitiseUserName,
} from '@scim-ledger/domain';
import { EventStore } from '@scim-ledger/event-store';
import { ScimUserRow } from './users/scim-user.row';

/** A live user (every row of the users table: one deleted for good has none) and the key its address is unique under. */
interface LiveAddress {
  readonly userId: string;
  readonly tenantId: string;
  readonly userName: string;
  readonly key: string;
}

/** Every live user, grouped by the key its address is unique under: more than one in a group share an address. */
async function liveAddressesByKey(users: DataSource): Promise<Map<string, LiveAddress[]>> {
  const rows = await users.getRepository(ScimUserRow).find({ select: { id: true, tenantId: true, userName: true } });
  const byKey = new Map<string, LiveAddress[]>();
  for (const row of rows) {
    const address = { userId: row.id, tenantId: row.tenantId, userName: row.userName, key: emailKey(row.userName) };
    byKey.set(address.key, [...(byKey.get(address.key) ?? []), address]);
  }
  return byKey;
}

async function claimOf(eventStore: EventStore, key: string) {
  const events = await eventStore.readStream(addressClaimStreamId(key));
  const state = foldEmailReservation(events.filter(isEmailReservationEvent) as unknown as EmailReservationEvent[]);
  return { state, revision: events.length > 0 ? events[events.length - 1].revision : ('no_stream' as const) };
}

/**
 * Rule L8 as the events hold it: every live address is held by exactly one
 * claim, that of its user. Reports live users that share a canonical
 * address (possible only for users stored before addresses were canonical)
 * and addresses whose claim is missing or names someone else (users created
 * before claims existed, or claimed under the older lower-cased key).
 * Addresses are named by their claim's digest, never in clear.
 */
export async function addressClaimDifferences(users: DataSource, eventStore: EventStore): Promise<string[]> {
  const differences: string[] = [];
  for (const [key, holders] of await liveAddressesByKey(users)) {
    const digest = addressDigest(key).slice(0, 12);
    if (holders.length > 1) {
      differences.push(`address ${digest}: held by ${holders.length} live users (${holders.map((h) => h.userId).join(', ')})`);
      continue;
    }
    const { state } = await claimOf(eventStore, key);
    if (state.holder?.userId !== holders[0].userId) {
      differences.push(`address ${digest}: user ${holders[0].userId} is live but the claim is ${state.holder ? `held by ${state.holder.userId}` : 'missing'}`);
    }
  }
  return differences;
}

export interface ClaimReport {
  readonly claimed: number;
  readonly released: number;
  /** Addresses two live users share: left for an admin to rename one, never guessed. */
  readonly shared: string[];
}

/**
 * The one-off migration to canonical addresses (issue 15, finding 4), safe to
 * run again: claims every live user's canonical address that it does not
 * hold yet (users created before claims existed included) and gives back
 * the claim under the older key (sanitised, lower-cased) where that differs.
 * Each write is decided on the stream as read and appended at that revision.
 */
export async function claimLiveAddresses(users: DataSource, eventStore: EventStore, now: string): Promise<ClaimReport> {
  let claimed = 0;
  let released = 0;
  const shared: string[] = [];
  for (const [key, holders] of await liveAddressesByKey(users)) {
    if (holders.length > 1) {
      shared.push(`address ${addressDigest(key).slice(0, 12)}: ${holders.map((h) => h.userId).join(', ')}`);
      continue;
    }
    const [{ userId, tenantId, userName }] = holders;
    const metadata: CommandMetadata = {
      tenantId,
      actor: { kind: 'system', id: 'claim-addresses' },
      requestId: `claim-addresses-${randomUUID()}`,
      userAgent: null,
      clientAddress: null,
      now,
    };
    const claim = await claimOf(eventStore, key);
    // The holder owns the address only if it is this live user: no other live user has this key.
    const events = decideEmailReservation(
      { type: 'ReserveEmail', data: { email: addressDigest(key), userId, tenantId, now, holderOwnsIt: false } },
      // A lease in flight would refuse; a migration runs with the api stopped or idle, so an old lease counts as done.
      claim.state.holder ? { holder: { ...claim.state.holder, reservedAt: new Date(0).toISOString() } } : claim.state,
    );
    if (events.length > 0) {
      await append(eventStore, addressClaimStreamId(key), events, claim.revision, metadata);
      claimed++;
    }
    const legacyKey = sanitiseUserName(userName).toLowerCase();
    if (legacyKey !== key) {
      const legacy = await claimOf(eventStore, legacyKey);
      const release = decideEmailReservation({ type: 'ReleaseEmail', data: { email: addressDigest(legacyKey), userId } }, legacy.state);
      if (release.length > 0) {
        await append(eventStore, addressClaimStreamId(legacyKey), release, legacy.revision, metadata);
        released++;
      }
    }
  }
  return { claimed, released, shared };
}

function append(eventStore: EventStore, streamId: string, events: EmailReservationEvent[], expected: number | 'no_stream', metadata: CommandMetadata) {
  return eventStore.append(
    streamId,
    events.map((event) => ({
      id: randomUUID(),
      type: event.type,
      data: event.data as unknown as Record<string, unknown>,
      metadata: { ...eventMetadata(metadata, EMAIL_RESERVATION_EVENT_SCHEMA_VERSIONS[event.type]) },
    })),
    expected,
  );
}
