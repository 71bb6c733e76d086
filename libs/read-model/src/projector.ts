import { Logger } from '@nestjs/common';
import type { Mutex } from 'async-mutex';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, EntityManager, In } from 'typeorm';
import {
  comparePositions,
  EventStore,
  formatPosition,
  GlobalPosition,
  parsePosition,
  RecordedEvent,
  START_OF_ALL,
} from '@scim-ledger/event-store';
import { AuditEntryRow } from './audit/audit-entry.row';
import { auditEntryFor } from './audit/audit-entry.projection';
import { readyBatches } from './batches';
import { ProjectionCheckpointRow } from './checkpoints/projection-checkpoint.row';
import { ScimUserRow } from './users/scim-user.row';
import { projectTenantEvent } from './tenants/tenants.projection';
import { projectUserEvent, userIdOfStream } from './users/users.projection';

export const READ_MODEL_PROJECTION = 'read-model';

export interface ProjectorOptions {
  /** Serialises writers on one SQLite file within this process (see sqliteWriteLock). */
  readonly writeLock?: Mutex;
  readonly batchSize?: number;
  /** Pause before resubscribing after the store or database failed. */
  readonly retryDelayMs?: number;
}

/**
 * Applies all events, in global order, to the users table and the audit trail.
 * Rows and checkpoint commit in one transaction, and events at or before the
 * checkpoint (or below a row's revision) are skipped: redelivery is harmless.
 */
export class ReadModelProjector {
  private readonly logger = new Logger(ReadModelProjector.name);
  private readonly advanced = new EventEmitter().setMaxListeners(0);

  constructor(
    private readonly dataSource: DataSource,
    private readonly eventStore: EventStore,
    private readonly options: ProjectorOptions = {},
  ) {}

  /** Follows the store until the signal aborts; survives store or database outages. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const after = await this.checkpoint();
        const events = this.eventStore.subscribeToAll({ after, signal });
        for await (const batch of readyBatches(events, this.options.batchSize ?? 500)) {
          await this.apply(batch);
        }
      } catch (error) {
        if (signal.aborted) return;
        this.logger.error(`projection stopped, resubscribing: ${(error as Error).message}`);
        await sleep(this.options.retryDelayMs ?? 500, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Applies everything appended so far, then returns: for tests, rebuilds and the CLI. */
  async catchUp(): Promise<number> {
    let applied = 0;
    for (;;) {
      const page = await this.eventStore.readAll({ after: await this.checkpoint(), maxCount: this.options.batchSize ?? 500 });
      if (page.length === 0) return applied;
      await this.apply(page);
      applied += page.length;
    }
  }

  async checkpoint(manager: EntityManager = this.dataSource.manager): Promise<GlobalPosition> {
    const row = await manager.findOneBy(ProjectionCheckpointRow, { name: READ_MODEL_PROJECTION });
    return row ? parsePosition(row.position) : START_OF_ALL;
  }

  /** Calls back with the checkpoint after every committed batch. */
  onAdvanced(listener: (position: GlobalPosition) => void): () => void {
    this.advanced.on('advanced', listener);
    return () => this.advanced.off('advanced', listener);
  }

  async apply(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const write = () => this.dataSource.transaction((manager) => this.applyIn(manager, events));
    const position = this.options.writeLock ? await this.options.writeLock.runExclusive(write) : await write();
    if (position) this.advanced.emit('advanced', position);
  }

  private async applyIn(manager: EntityManager, events: readonly RecordedEvent[]): Promise<GlobalPosition | null> {
    const checkpoint = await this.checkpoint(manager);
    const fresh = events.filter((event) => comparePositions(event.position, checkpoint) > 0);
    if (fresh.length === 0) return null;

    const userIds = [...new Set(fresh.map((e) => userIdOfStream(e.streamId)).filter((id): id is string => id !== null))];
    const rows = new Map<string, ScimUserRow | null>();
    if (userIds.length > 0) {
      for (const row of await manager.findBy(ScimUserRow, { id: In(userIds) })) rows.set(row.id, row);
    }
    const changed = new Set<string>();
    for (const event of fresh) {
      const userId = userIdOfStream(event.streamId);
      if (userId === null) continue;
      const before = rows.get(userId) ?? null;
      const after = projectUserEvent(before, event);
      if (after !== before) {
        rows.set(userId, after);
        changed.add(userId);
      }
    }
    const saved = [...changed].filter((id) => rows.get(id));
    const removed = [...changed].filter((id) => !rows.get(id));
    if (saved.length > 0) {
      await manager.save(ScimUserRow, saved.map((id) => manager.create(ScimUserRow, rows.get(id)!)), { chunk: 200 });
    }
    if (removed.length > 0) await manager.delete(ScimUserRow, { id: In(removed) });
    for (const event of fresh) await projectTenantEvent(manager, event);
    const entries = fresh.map(auditEntryFor).filter((entry) => entry !== null);
    if (entries.length > 0) {
      await manager.createQueryBuilder().insert().into(AuditEntryRow).values(entries).orIgnore().execute();
    }
    const last = fresh[fresh.length - 1].position;
    await manager.save(ProjectionCheckpointRow, {
      name: READ_MODEL_PROJECTION,
      position: formatPosition(last),
      updatedAt: new Date().toISOString(),
    });
    return last;
  }
}
