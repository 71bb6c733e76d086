import type { EntityManager, ObjectLiteral } from 'typeorm';
import type { RecordedEvent } from '@scim-ledger/event-store';
import type { ScimUserRow } from './users/scim-user.row';

/**
 * One batch of events as the projections see it, with what more than one of
 * them needs worked out once (shared/STYLE.md point 17).
 */
export interface ProjectedBatch {
  /** The batch's events not applied before, in order. */
  readonly events: readonly RecordedEvent[];
  /** Tenants deleted before this batch or within it: none of their events leaves anything readable (issue 15). */
  readonly deletedTenants: ReadonlySet<string>;
  /** The tenant deletions within this batch. */
  readonly deletions: readonly { readonly tenantId: string; readonly deletedAt: string }[];
  /**
   * Users' rows as this batch leaves them (null: no row), for every user whose
   * stream the batch touches: written by the users projection, which runs first.
   */
  readonly userRows: Map<string, ScimUserRow | null>;
}

/**
 * A table a projection writes. Registering its projection is all it takes
 * for the read model to create it, for `verify` to compare it with a rebuild
 * and for a catch-up from empty to build its plain indexes once at the end.
 */
export interface ProjectedTable<Row extends ObjectLiteral = ObjectLiteral> {
  readonly entity: new () => Row;
  /** What `verify` calls one of its rows ("user", "audit entry"). */
  readonly rowName: string;
  /**
   * What `verify` compares a row by, and the row as compared; by default its
   * primary key and every column. A column the database assigns (a serial id)
   * differs between two builds of the same events and is left out here.
   */
  verifiedAs?(row: Row): readonly [key: string, compared: object];
}

/**
 * A projection: the rows it keeps, written from a batch in the batch's
 * transaction (with the checkpoint, shared/STYLE.md point 8). The projector
 * runs every registered one, in order; adding one is registering it. A
 * projection of a tenant's rows clears them on its deletion
 * (ProjectedBatch.deletions), as the tenants' tables do.
 */
export interface Projection {
  /** Named in logs and errors. */
  readonly name: string;
  readonly tables: readonly ProjectedTable[];
  project(manager: EntityManager, batch: ProjectedBatch): Promise<void>;
}
