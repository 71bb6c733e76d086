import { CORE_USER_SCHEMA, DRUVA_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../scim-schemas';
import { CORE_GROUP_SCHEMA, RESOURCE_TYPE_SCHEMA } from './schema-definition';

/** RFC 7643 §6: a resource type, its endpoint and its schemas. */
export interface ResourceTypeDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Relative to the SCIM base URL. */
  readonly endpoint: string;
  readonly schema: string;
  readonly schemaExtensions: readonly { readonly schema: string; readonly required: boolean }[];
}

export const USER_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'User',
  name: 'User',
  description: 'User account provisioned by the identity provider.',
  endpoint: '/Users',
  schema: CORE_USER_SCHEMA,
  // Neither extension is required: a user without a UPN is valid (rules A1, A2).
  schemaExtensions: [
    { schema: ENTERPRISE_USER_SCHEMA, required: false },
    { schema: DRUVA_USER_SCHEMA, required: false },
  ],
};

/** Rule G1: a tenant's groups of its users, pushed by Entra ID and Okta. */
export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'Group',
  name: 'Group',
  description: 'Group of users of the tenant, provisioned by the identity provider.',
  endpoint: '/Groups',
  schema: CORE_GROUP_SCHEMA,
  schemaExtensions: [],
};

/** The resource types scim-ledger serves. */
export const RESOURCE_TYPES: readonly ResourceTypeDefinition[] = [USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE];

/** The id characteristic of a ResourceType is not case-exact (RFC 7643 §8.7.2). */
export function findResourceType(id: string): ResourceTypeDefinition | undefined {
  const wanted = id.toLowerCase();
  return RESOURCE_TYPES.find((type) => type.id.toLowerCase() === wanted);
}

/** The ResourceType resource (RFC 7643 §6), located under this request's SCIM base URL. */
export function toResourceTypeResource(type: ResourceTypeDefinition, scimBaseUrl: string): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: type.id,
    name: type.name,
    description: type.description,
    endpoint: type.endpoint,
    schema: type.schema,
    schemaExtensions: type.schemaExtensions.map(({ schema, required }) => ({ schema, required })),
    meta: { resourceType: 'ResourceType', location: `${scimBaseUrl}/ResourceTypes/${encodeURIComponent(type.id)}` },
  };
}
