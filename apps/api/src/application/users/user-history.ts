import { Inject, Injectable } from '@nestjs/common';
import { EventMetadata, HistoryEntry, membershipsAsOf, StoredUserEvent, userHistory, UserState, userStateAsOf, userStreamId } from '@scim-ledger/domain';
import { EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { MembershipChangesReadModel } from '../reading/membership-changes.read-model';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Events a user's history or state reads at once; between two windows, other requests get the event loop. */
const STREAM_WINDOW = 500;

/**
 * What happened to a user and how it stood at a moment (rules S1, S3),
 * folded from its events by the domain's userHistory and userStateAsOf,
 * with its membership changes (rule G2) from the read model's rows of them.
 * Null for a user that is not the tenant's: another tenant's user is not
 * found, like an unknown one.
 */
@Injectable()
export class UserHistories {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly memberships: MembershipChangesReadModel,
  ) {}

  async history(tenantId: string, userId: string): Promise<{ entries: HistoryEntry[]; state: UserState } | null> {
    const stored = await this.stream(tenantId, userId);
    return stored && userHistory(stored, await this.memberships.of(tenantId, userId));
  }

  /**
   * The user and its groups at a moment: the groups as of the instant asked,
   * or as of the last event a revision takes in (rule S3).
   */
  async stateAsOf(
    tenantId: string,
    userId: string,
    asOf: { until?: string; revision?: number },
  ): Promise<{ state: UserState; groups: { id: string; displayName: string }[] } | null> {
    const stored = await this.stream(tenantId, userId);
    if (!stored) return null;
    const memberships = await this.memberships.of(tenantId, userId);
    return { state: userStateAsOf(stored, asOf), groups: membershipsAsOf(memberships, momentOf(stored, asOf)) };
  }

  /**
   * The user's stored events, read and opened a window at a time, handing the
   * event loop back between windows: a stream of thousands of revisions read
   * at once held the one thread, and every tenant's lookups waited behind it.
   */
  private async stream(tenantId: string, userId: string): Promise<StoredUserEvent[] | null> {
    const recorded: StoredUserEvent[] = [];
    for (;;) {
      // Shown to a person: a user another api process deleted for good reads shredded here at once, whatever this process cached.
      const window = await this.eventStore.readStream(userStreamId(userId), {
        fromRevision: recorded.length,
        maxCount: STREAM_WINDOW,
        freshPersonalDataKeys: true,
      });
      if (recorded.length === 0 && (window.length === 0 || window[0].data.tenantId !== tenantId)) return null;
      recorded.push(...window);
      if (window.length < STREAM_WINDOW) return recorded;
      await nextTurn();
    }
  }
}

/** The instant a state is asked for: the one given, or the last event a revision takes in, whichever is earlier (null: now). */
function momentOf(stored: readonly StoredUserEvent[], asOf: { until?: string; revision?: number }): string | null {
  const instants: number[] = [];
  if (asOf.until !== undefined) instants.push(Date.parse(asOf.until));
  if (asOf.revision !== undefined) {
    const last = stored.filter((event) => event.revision <= asOf.revision!).at(-1);
    const occurredAt = (last?.metadata as Partial<EventMetadata> | undefined)?.occurredAt;
    instants.push(occurredAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(occurredAt));
  }
  if (instants.length === 0) return null;
  const moment = Math.min(...instants);
  return moment === Number.NEGATIVE_INFINITY ? BEFORE_EVERYTHING : new Date(moment).toISOString();
}

/** The earliest instant a Date holds: a revision before any dated event takes in no membership change. */
const BEFORE_EVERYTHING = new Date(-8.64e15).toISOString();
