export * from './config';
export * from './clock';
export * from './user-ids';
