/** Moved to the event store library, which needs it too; kept here for the projector's imports. */
export { readyBatches } from '@scim-ledger/event-store';
