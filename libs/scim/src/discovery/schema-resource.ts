import { AttributeDefinition, SCHEMA_SCHEMA, SchemaDefinition } from './schema-definition';

/**
 * The Schema resource (RFC 7643 §7, example in §8.7.1). Keys come out in a
 * fixed order and optional characteristics are left out rather than null
 * (Entra ID's schema discovery wants no nulls).
 */
export function toSchemaResource(schema: SchemaDefinition, scimBaseUrl: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(toAttributeRepresentation),
    // A URN's colons are legal in a path segment (RFC 3986 §3.3), as RFC 7644 §4's example shows.
    meta: { resourceType: 'Schema', location: `${scimBaseUrl}/Schemas/${schema.id}` },
  };
}

function toAttributeRepresentation(definition: AttributeDefinition): Record<string, unknown> {
  return {
    name: definition.name,
    type: definition.type,
    multiValued: definition.multiValued,
    description: definition.description,
    required: definition.required,
    caseExact: definition.caseExact,
    ...(definition.canonicalValues ? { canonicalValues: [...definition.canonicalValues] } : {}),
    ...(definition.referenceTypes ? { referenceTypes: [...definition.referenceTypes] } : {}),
    mutability: definition.mutability,
    returned: definition.returned,
    uniqueness: definition.uniqueness,
    ...(definition.subAttributes ? { subAttributes: definition.subAttributes.map(toAttributeRepresentation) } : {}),
  };
}
