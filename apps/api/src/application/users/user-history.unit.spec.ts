import type { EventStore, ReadStreamOptions, RecordedEvent } from '@scim-ledger/event-store';
import { userCreated } from '../../../../../libs/domain/src/testing/user-created';
import { UserHistories } from './user-history';
import type { MembershipChangesReadModel } from '../reading/membership-changes.read-model';

/** A user's stream of `renames + 1` events: created in tenant t1, then renamed again and again. */
function streamOf(renames: number): RecordedEvent[] {
  const created = userCreated('u1', 'ada@example.com', { displayName: 'Ada' });
  const renamed = (i: number) => ({ type: 'UserRenamed', data: { displayName: `Ada ${i}`, givenName: null, familyName: null } });
  return [created, ...Array.from({ length: renames }, (_, i) => renamed(i + 1))].map((event, revision) => ({
    ...event,
    id: `e${revision}`,
    streamId: 'user-u1',
    revision,
    position: BigInt(revision + 1),
    metadata: { schemaVersion: event.type === 'UserCreated' ? 2 : 1, occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, revision)).toISOString() },
  })) as unknown as RecordedEvent[];
}

/** An event store holding one user's stream, counting the windows read from it. */
function storeWith(events: RecordedEvent[]) {
  const reads: ReadStreamOptions[] = [];
  const store = {
    readStream: async (streamId: string, options: ReadStreamOptions = {}) => {
      reads.push(options);
      if (streamId !== 'user-u1') return [];
      const from = Number(options.fromRevision ?? 0);
      return events.slice(from, from + (options.maxCount ?? events.length));
    },
  } as unknown as EventStore;
  // A user in no group: its membership changes are the read model's (an int/e2e concern), none here.
  const noMemberships = { of: async () => [] } as unknown as MembershipChangesReadModel;
  return { histories: new UserHistories(store, noMemberships), reads };
}

describe("a user's history and state, folded from its events (rules S1, S3)", () => {
  it('given a user of tenant t1, when another tenant or an unknown user is asked for, then none: not found, like an unknown one', async () => {
    const { histories } = storeWith(streamOf(1));
    expect(await histories.history('t2', 'u1')).toBeNull();
    expect(await histories.stateAsOf('t2', 'u1', {})).toBeNull();
    expect(await histories.history('t1', 'nobody')).toBeNull();
  });

  it('given a long stream, when its history is read, then every event is in it, read a window of 500 at a time with fresh keys', async () => {
    const { histories, reads } = storeWith(streamOf(1200));
    const history = await histories.history('t1', 'u1');
    expect(history?.entries).toHaveLength(1201);
    expect(history?.entries[1200]).toMatchObject({
      revision: 1200,
      type: 'UserRenamed',
      changes: [{ attribute: 'displayName', from: 'Ada 1199', to: 'Ada 1200' }],
    });
    expect(reads.map((read) => read.fromRevision)).toEqual([0, 500, 1000]);
    expect(reads.every((read) => read.maxCount === 500 && read.freshPersonalDataKeys === true)).toBe(true);
  });

  it('given a user renamed twice, when its state is asked for after revision 1 or at the moment of revision 0, then the user as it stood then', async () => {
    const { histories } = storeWith(streamOf(2));
    expect(await histories.stateAsOf('t1', 'u1', { revision: 1 })).toMatchObject({
      state: { status: 'Active', profile: { displayName: 'Ada 1' } },
      groups: [],
    });
    expect(await histories.stateAsOf('t1', 'u1', { until: '2026-01-01T00:00:00.000Z' })).toMatchObject({
      state: { profile: { displayName: 'Ada' } },
      groups: [],
    });
  });
});
