export * from './event-store.port';
export * from './sqlite-write-lock';
export * from './sqlite/sqlite-event-store';
export * from './postgres/postgres-event-store';
export * from './eventstoredb/eventstoredb-event-store';
export * from './open-event-store';
