export * from './config';
export * from './clock';
export * from './user-ids';
export * from './secret-hash';
export * from './api-credential-secret';
export * from './json-logs';
export * from './start-up-failure';
