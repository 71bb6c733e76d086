export * from './group-resource';
export * from './group-patch';
export * from './group-filter.sql';
