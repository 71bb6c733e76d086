import { DataSource } from 'typeorm';
import { EventStore } from '@scim-ledger/event-store';
import { AuditEntryRow } from './audit/audit-entry.row';
import { ProjectionCheckpointRow } from './checkpoints/projection-checkpoint.row';
import { ProjectionFailureRow } from './failures/projection-failure.row';
import { READ_MODEL_PROJECTION, ReadModelProjector } from './projector';
import { DeletedTenantRow } from './tenants/tenant.rows';
import { ScimUserRow } from './users/scim-user.row';

/** Projects every event from the start into an empty read model (rule S3). */
export function rebuildReadModel(target: DataSource, eventStore: EventStore, batchSize = 1000): Promise<number> {
  return new ReadModelProjector(target, eventStore, { batchSize }).catchUp();
}

/**
 * Every difference between a live read model and one rebuilt from the events:
 * missing, extra or different users, audit entries and deleted tenants
 * (which decide what the others keep), and checkpoints.
 * Nothing to report means the live model is exactly what the events say.
 */
export async function readModelDifferences(live: DataSource, rebuilt: DataSource): Promise<string[]> {
  const differences: string[] = [];
  const users = async (ds: DataSource) => new Map((await ds.getRepository(ScimUserRow).find()).map((row) => [row.id, row]));
  compareKeyed('user', await users(live), await users(rebuilt), differences);

  const audit = async (ds: DataSource) =>
    new Map((await ds.getRepository(AuditEntryRow).find()).map(({ id: _id, ...entry }) => [`${entry.streamId}@${entry.streamRevision}`, entry]));
  compareKeyed('audit entry', await audit(live), await audit(rebuilt), differences);

  // An event set aside is a difference from what the events say until a retry or a rebuild applies it.
  for (const failure of await live.getRepository(ProjectionFailureRow).find({ order: { position: 'ASC' } })) {
    differences.push(
      `projection failure: ${failure.streamId} at revision ${failure.revision} (position ${failure.position}, ${failure.eventType}, ${failure.heldEvents} later event(s) waiting): ${failure.error}`,
    );
  }

  const deletedTenants = async (ds: DataSource) => new Map((await ds.getRepository(DeletedTenantRow).find()).map((row) => [row.tenantId, row]));
  compareKeyed('deleted tenant', await deletedTenants(live), await deletedTenants(rebuilt), differences);

  const checkpoint = async (ds: DataSource) => (await ds.getRepository(ProjectionCheckpointRow).findOneBy({ name: READ_MODEL_PROJECTION }))?.position ?? 'none';
  const [liveCheckpoint, rebuiltCheckpoint] = [await checkpoint(live), await checkpoint(rebuilt)];
  if (liveCheckpoint !== rebuiltCheckpoint) differences.push(`checkpoint: live ${liveCheckpoint}, events ${rebuiltCheckpoint}`);
  return differences;
}

function compareKeyed<T extends object>(kind: string, live: Map<string, T>, rebuilt: Map<string, T>, differences: string[]): void {
  for (const [key, expected] of rebuilt) {
    const actual = live.get(key);
    if (!actual) {
      differences.push(`${kind} ${key}: missing from the live read model`);
      continue;
    }
    for (const field of Object.keys(expected) as Array<keyof T>) {
      if (actual[field] !== expected[field]) {
        differences.push(`${kind} ${key}: ${String(field)} is ${JSON.stringify(actual[field])}, the events say ${JSON.stringify(expected[field])}`);
      }
    }
  }
  for (const key of live.keys()) if (!rebuilt.has(key)) differences.push(`${kind} ${key}: in the live read model but not in the events`);
}
