import type { EntityManager } from 'typeorm';
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
 * A projection: the rows it keeps, written from a batch in the batch's
 * transaction (with the checkpoint, shared/STYLE.md point 8). The projector
 * runs every registered one, in order; adding one is registering it.
 */
export interface Projection {
  /** Named in logs and errors. */
  readonly name: string;
  project(manager: EntityManager, batch: ProjectedBatch): Promise<void>;
}
