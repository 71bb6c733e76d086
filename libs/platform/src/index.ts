export * from './config';
export * from './clock';
export * from './user-ids';
export * from './secret-hash';
export * from './api-credential-secret';
