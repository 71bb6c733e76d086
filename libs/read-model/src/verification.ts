import { DataSource } from 'typeorm';
import { EventStore } from '@scim-ledger/event-store';
import { ProjectionCheckpointRow } from './checkpoints/projection-checkpoint.row';
import { ProjectionFailureRow } from './failures/projection-failure.row';
import type { ProjectedTable } from './projection';
import { READ_MODEL_PROJECTIONS } from './projections';
import { READ_MODEL_PROJECTION, ReadModelProjector } from './projector';

/** Projects every event from the start into an empty read model (rule S3). */
export function rebuildReadModel(target: DataSource, eventStore: EventStore, batchSize = 1000, onApplied?: (applied: number) => void): Promise<number> {
  return new ReadModelProjector(target, eventStore, { batchSize }).catchUp(onApplied);
}

/**
 * Every difference between a live read model and one rebuilt from the events:
 * missing, extra or different rows of every projection's tables (users, audit
 * entries, the tenants' tables, deleted tenants), events set aside, and
 * checkpoints. Nothing to report means the live model is exactly what the
 * events say.
 */
export async function readModelDifferences(live: DataSource, rebuilt: DataSource): Promise<string[]> {
  const differences: string[] = [];
  for (const table of READ_MODEL_PROJECTIONS.flatMap((projection) => projection.tables)) {
    compareKeyed(table.rowName, await verifiedRows(live, table), await verifiedRows(rebuilt, table), differences);
  }

  // An event set aside is a difference from what the events say until a retry or a rebuild applies it.
  for (const failure of await live.getRepository(ProjectionFailureRow).find({ order: { position: 'ASC' } })) {
    differences.push(
      `projection failure: ${failure.streamId} at revision ${failure.revision} (position ${failure.position}, ${failure.eventType}, ${failure.heldEvents} later event(s) waiting): ${failure.error}`,
    );
  }

  const checkpoint = async (ds: DataSource) => (await ds.getRepository(ProjectionCheckpointRow).findOneBy({ name: READ_MODEL_PROJECTION }))?.position ?? 'none';
  const [liveCheckpoint, rebuiltCheckpoint] = [await checkpoint(live), await checkpoint(rebuilt)];
  if (liveCheckpoint !== rebuiltCheckpoint) differences.push(`checkpoint: live ${liveCheckpoint}, events ${rebuiltCheckpoint}`);
  return differences;
}

/** A table's rows as `verify` compares them: by its primary key and every column unless the table says otherwise. */
async function verifiedRows(dataSource: DataSource, table: ProjectedTable): Promise<Map<string, object>> {
  const primary = dataSource.getMetadata(table.entity).primaryColumns.map((column) => column.propertyName);
  const verifiedAs = table.verifiedAs ?? ((row: Record<string, unknown>) => [primary.map((name) => String(row[name])).join('/'), row] as const);
  return new Map((await dataSource.getRepository(table.entity).find()).map((row) => verifiedAs(row)));
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
