import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { autoDeletePreservedBefore, CommandMetadata } from '@scim-ledger/domain';
import { ProfileRow, ScimUserRow } from '@scim-ledger/read-model';
import { Clock } from '@scim-ledger/platform';
import { RepeatingRun } from '../scheduling/repeating-run';
import { APP_CONFIG, AppConfig, READ_MODEL } from '../../tokens';
import { PermanentDeletion } from './permanent-deletion';

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
    @Inject(READ_MODEL) private readonly readModel: DataSource,
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
    const profiles = await this.readModel.getRepository(ProfileRow).find();
    const deleted: string[] = [];
    for (const profile of profiles) {
      const preservedBefore = autoDeletePreservedBefore(profile.autoDeletePreservedAfterDays, now.toISOString());
      if (preservedBefore === null) continue;
      // The SQL form of the domain's isDueForAutoDeletion: preserved, not on legal hold, at or before the cut-off.
      const due = await this.readModel
        .getRepository(ScimUserRow)
        .createQueryBuilder('u')
        .where('u."tenantId" = :tenantId AND u."profileId" = :profileId', { tenantId: profile.tenantId, profileId: profile.id })
        .andWhere('u.status = :status AND u."legalHold" = :held AND u."preservedAt" <= :preservedBefore', {
          status: 'Preserved',
          held: false,
          preservedBefore,
        })
        .orderBy('u."preservedAt"', 'ASC')
        .limit(BATCH)
        .getMany();
      for (const user of due) {
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
}
