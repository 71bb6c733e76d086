export * from './event-store.port';
export * from './sqlite-write-lock';
export * from './sqlite/sqlite-event-store';
