import { randomUUID } from 'node:crypto';
import { userStreamId } from '@scim-ledger/domain';
import { EventStore, EventToAppend } from '@scim-ledger/event-store';
import { newUserId } from '@scim-ledger/platform';

export interface BenchTenant {
  readonly id: string;
  readonly token: string;
}

/**
 * The event the app appends for a SCIM create: a UserCreated in the stream
 * user-<id>, with the metadata every event carries (rule S1; see
 * apps/api/src/application/event-sourcing/decided-streams.ts and libs/domain's user events).
 */
export function userCreated(userId: string, tenantId: string, userName: string, requestId: string): EventToAppend {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    type: 'UserCreated',
    data: {
      userId,
      tenantId,
      userName,
      email: userName,
      displayName: `Display ${userName}`,
      givenName: 'Given',
      familyName: 'Family',
      externalId: `obj-${userName}`,
      userPrincipalName: null,
    },
    metadata: {
      tenantId,
      actor: { kind: 'scim-token', id: 'bench' },
      requestId,
      userAgent: 'scim-ledger-bench',
      clientAddress: '127.0.0.1',
      occurredAt: now,
      schemaVersion: 1,
    },
  };
}

/** Seeded users have predictable names, so a filtered GET can ask for any of them. */
export function seededUserName(index: number, tenants: readonly BenchTenant[]): { userName: string; tenant: BenchTenant } {
  const tenant = tenants[index % tenants.length];
  return { userName: `seed-${index}@${tenant.id}.example.com`, tenant };
}

/**
 * Appends seeded users [from, to) through the EventStore port, one stream per
 * user as the app does, `window` appends in flight at a time (a store that
 * group-commits turns each window into a few transactions).
 */
export async function seedUsers(
  store: EventStore,
  tenants: readonly BenchTenant[],
  from: number,
  to: number,
  window = 2000,
  onProgress?: (done: number) => void,
): Promise<void> {
  for (let start = from; start < to; start += window) {
    const end = Math.min(to, start + window);
    const appends: Promise<unknown>[] = [];
    for (let i = start; i < end; i++) {
      const { userName, tenant } = seededUserName(i, tenants);
      const userId = newUserId();
      appends.push(store.append(userStreamId(userId), [userCreated(userId, tenant.id, userName, `seed-${i}`)], 'no_stream'));
    }
    await Promise.all(appends);
    onProgress?.(end);
  }
}

/**
 * The storage ceiling: `concurrency` writers each appending, one create at a
 * time, what a SCIM create appends (what `concurrency` creates in flight ask
 * of the store) for `seconds`: the address claim, the profile seat and the
 * UserCreated, each in its own stream. Returns the creates per second. The
 * streams are named ceiling-…, not user-<id>: the same rows for the store,
 * but no users in the read model, so the user counts the GETs are measured
 * at stay exact.
 */
export async function rawAppends(
  store: EventStore,
  tenants: readonly BenchTenant[],
  concurrency: number,
  seconds: number,
  tag: string,
): Promise<{ perSecond: number; count: number }> {
  const deadline = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  let count = 0;
  const writer = async (w: number) => {
    for (let k = 0; Date.now() < deadline; k++) {
      const tenant = tenants[(w + k) % tenants.length];
      const userId = newUserId();
      const userName = `raw-${tag}-${w}-${k}@${tenant.id}.example.com`;
      const created = userCreated(userId, tenant.id, userName, `raw-${tag}-${w}-${k}`);
      const claim = {
        ...created,
        id: randomUUID(),
        type: 'EmailReserved',
        data: { email: userName, userId, tenantId: tenant.id, reservedAt: created.metadata.occurredAt, replacedUserId: null },
      };
      const seat = {
        ...created,
        id: randomUUID(),
        type: 'ProfileSeatTaken',
        data: { profileId: 'all', userId, takenAt: created.metadata.occurredAt, seatsInUse: k + 1 },
      };
      // As a create appends them: one multi-stream append (EventStore.appendToStreams).
      await store.appendToStreams([
        { streamId: `ceiling-email-${userId}`, events: [claim], expected: 'no_stream' },
        { streamId: `ceiling-seats-${tenant.id}/${w}`, events: [seat], expected: 'any' },
        { streamId: `ceiling-${userId}`, events: [created], expected: 'no_stream' },
      ]);
      count += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => writer(w)));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: count / elapsed, count };
}
