export * from './schema-definition';
export * from './user-schemas';
export * from './resource-types';
export * from './schema-resource';
export * from './service-provider-config';
export * from './group-schema';
