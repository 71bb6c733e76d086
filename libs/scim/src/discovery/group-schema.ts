import { attribute, complexAttribute, CORE_GROUP_SCHEMA, SchemaDefinition } from './schema-definition';

/**
 * The Group schema (RFC 7643 §4.2, characteristics of §8.7.1) as scim-ledger
 * keeps groups (rule G1): a display name unique in the tenant (Entra ID
 * requires it), an externalId, and members that are users of the tenant.
 */
export const GROUP_SCHEMA_DEFINITION: SchemaDefinition = {
  id: CORE_GROUP_SCHEMA,
  name: 'Group',
  description: 'A group of users of the tenant (rule G1). Members must be users of the same tenant.',
  attributes: [
    attribute('displayName', 'string', 'The name of the group; unique in the tenant, whatever its case.', { required: true, uniqueness: 'server' }),
    complexAttribute(
      'members',
      'The users in the group.',
      [
        attribute('value', 'string', 'The id of a User of the tenant.', { caseExact: true, mutability: 'immutable' }),
        attribute('$ref', 'reference', "The URI of the member's User resource.", { referenceTypes: ['User'], caseExact: true, mutability: 'immutable' }),
        attribute('display', 'string', "The member's display name, for display only.", { mutability: 'readOnly' }),
        attribute('type', 'string', 'The kind of member: always User (groups are not nested).', {
          canonicalValues: ['User'],
          caseExact: false,
          mutability: 'immutable',
        }),
      ],
      { multiValued: true },
    ),
  ],
};
