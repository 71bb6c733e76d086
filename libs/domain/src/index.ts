export * from './event-metadata';
export * from './user/user.events';
export * from './user/user.decider';
