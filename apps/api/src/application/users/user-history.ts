import { Inject, Injectable } from '@nestjs/common';
import { HistoryEntry, StoredUserEvent, userHistory, UserState, userStateAsOf, userStreamId } from '@scim-ledger/domain';
import { EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Events a user's history or state reads at once; between two windows, other requests get the event loop. */
const STREAM_WINDOW = 500;

/**
 * What happened to a user and how it stood at a moment (rules S1, S3),
 * folded from its events by the domain's userHistory and userStateAsOf.
 * Null for a user that is not the tenant's: another tenant's user is not
 * found, like an unknown one.
 */
@Injectable()
export class UserHistories {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async history(tenantId: string, userId: string): Promise<{ entries: HistoryEntry[]; state: UserState } | null> {
    const stored = await this.stream(tenantId, userId);
    return stored && userHistory(stored);
  }

  async stateAsOf(tenantId: string, userId: string, asOf: { until?: string; revision?: number }): Promise<UserState | null> {
    const stored = await this.stream(tenantId, userId);
    return stored && userStateAsOf(stored, asOf);
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
