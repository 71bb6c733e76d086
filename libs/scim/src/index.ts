export * from './scim-error';
export * from './scim-schemas';
export * from './user-resource';
export * from './patch/user-patch';
export * from './filter/user-filter.sql';
export * from './discovery';
export * from './attributes/attribute-projection';
export { keptAttributesIfReadable, type KeptAttributesAsSent } from './attributes/kept-attributes';
export * from './storable-text';
