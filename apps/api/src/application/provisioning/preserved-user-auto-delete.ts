import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { autoDeletePreservedBefore, CommandMetadata, isDueForAutoDeletion } from '@scim-ledger/domain';
import { Clock } from '@scim-ledger/platform';
import { RepeatingRun } from '../scheduling/repeating-run';
import { APP_CONFIG, AppConfig } from '../../tokens';
import { TenantsReadModel } from '../reading/tenants.read-model';
import { UsersReadModel } from '../reading/users.read-model';
import { PermanentDeletion } from './permanent-deletion';
import type { ScimUserRow } from '@scim-ledger/read-model';

/** Users deleted per run at most, so one run never holds the writer long; the next run takes the rest. */
const BATCH = 500;

/**
 * Rule L10: a preserved user is deleted for good once its profile's
 * "auto-delete preserved users" period has passed since it was preserved,
 * unless it is on legal hold. Each deletion appends at the revision the read
 * model showed, so a user reactivated (or put on hold) meanwhile is left alone.
 */
@Injectable()
export class PreservedUserAutoDelete implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PreservedUserAutoDelete.name);
  private readonly job = new RepeatingRun(
    () => this.deleteDue(),
    (error) => this.logger.error(`auto-deleting preserved users failed: ${(error as Error).message}`),
  );

  constructor(
    private readonly deletion: PermanentDeletion,
    private readonly clock: Clock,
    private readonly tenants: TenantsReadModel,
    private readonly users: UsersReadModel,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.job.start(this.config.autoDeleteIntervalMs, this.config.autoDeleteIntervalMs);
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  /** Deletes every preserved user due now; returns their ids. */
  runOnce(): Promise<string[]> {
    return this.job.runOnce();
  }

  private async deleteDue(): Promise<string[]> {
    const now = this.clock.now();
    const profiles = await this.tenants.profilesOfEveryTenant();
    const deleted: string[] = [];
    for (const profile of profiles) {
      const preservedBefore = autoDeletePreservedBefore(profile.autoDeletePreservedAfterDays, now.toISOString());
      if (preservedBefore === null) continue;
      const due = this.dueUsers(
        { tenantId: profile.tenantId, profileId: profile.id },
        profile.autoDeletePreservedAfterDays,
        preservedBefore,
        now.toISOString(),
      );
      for await (const user of due) {
        const metadata: CommandMetadata = {
          tenantId: user.tenantId,
          actor: { kind: 'system', id: 'preserved-user-auto-delete' },
          requestId: `auto-delete-${randomUUID()}`,
          userAgent: null,
          clientAddress: null,
          now: now.toISOString(),
        };
        if (await this.deletion.delete(user.id, 'auto_delete_preserved', metadata, user.revision)) deleted.push(user.id);
      }
    }
    return deleted;
  }

  /** At most BATCH users of the profile that rule L10 says are due at `now`, longest preserved first. */
  private async *dueUsers(
    profile: { readonly tenantId: string; readonly profileId: string },
    autoDeletePreservedAfterDays: number | null,
    preservedBefore: string,
    now: string,
  ): AsyncGenerator<ScimUserRow> {
    let yielded = 0;
    let after: { preservedAt: string; id: string } | null = null;
    for (;;) {
      const page = await this.users.usersPreservedAtOrBefore(profile, preservedBefore, after, BATCH);
      for (const user of page) {
        if (!isDueForAutoDeletion(user, autoDeletePreservedAfterDays, now)) continue;
        yield user;
        if (++yielded === BATCH) return;
      }
      if (page.length < BATCH) return;
      const last = page[page.length - 1];
      after = { preservedAt: last.preservedAt!, id: last.id };
    }
  }
}
