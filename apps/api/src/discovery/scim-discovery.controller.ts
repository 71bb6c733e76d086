import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import {
  findResourceSchema,
  findResourceType,
  LIST_RESPONSE_SCHEMA,
  RESOURCE_TYPES,
  ScimError,
  SERVED_SCHEMAS,
  serviceProviderConfig,
  toResourceTypeResource,
  toSchemaResource,
} from '@scim-ledger/scim';
import { ScimAuthGuard } from '../auth/scim-bearer.strategy';
import { Context, RequestContext, SCIM_PREFIXES } from '../http/request-context';
import { APP_CONFIG, AppConfig } from '../tokens';

/**
 * RFC 7644 §4 discovery, under /scim/v2 and /insync/scim (rule T1). The same
 * bearer token as /Users is required: Entra ID and Okta send it here too, and
 * the RFC leaves authentication of these endpoints to the service provider.
 */
@Controller([...SCIM_PREFIXES])
@UseGuards(ScimAuthGuard)
export class ScimDiscoveryController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  // Microsoft's SCIMReferenceCode also serves it as /serviceConfiguration, and its Postman collection asks for that (issue 18, item 5).
  @Get(['ServiceProviderConfig', 'serviceConfiguration'])
  serviceProviderConfig(@Query() query: Record<string, unknown>, @Context() context: RequestContext) {
    refuseFilter(query);
    return serviceProviderConfig(context.scimBaseUrl, { maxResults: this.config.maxPageSize });
  }

  @Get('ResourceTypes')
  resourceTypes(@Query() query: Record<string, unknown>, @Context() context: RequestContext) {
    refuseFilter(query);
    return listResponse(RESOURCE_TYPES.map((type) => toResourceTypeResource(type, context.scimBaseUrl)));
  }

  @Get('ResourceTypes/:name')
  resourceType(@Param('name') name: string, @Query() query: Record<string, unknown>, @Context() context: RequestContext) {
    refuseFilter(query);
    const type = findResourceType(name);
    if (!type) throw new ScimError(404, `resource type "${name}" not found; this service provider serves User and Group`);
    return toResourceTypeResource(type, context.scimBaseUrl);
  }

  @Get('Schemas')
  schemas(@Query() query: Record<string, unknown>, @Context() context: RequestContext) {
    refuseFilter(query);
    return listResponse(SERVED_SCHEMAS.map((schema) => toSchemaResource(schema, context.scimBaseUrl)));
  }

  @Get('Schemas/:uri')
  schema(@Param('uri') uri: string, @Query() query: Record<string, unknown>, @Context() context: RequestContext) {
    refuseFilter(query);
    const schema = findResourceSchema(uri);
    if (!schema) throw new ScimError(404, `schema "${uri}" not found`);
    return toSchemaResource(schema, context.scimBaseUrl);
  }
}

/**
 * RFC 7644 §4: filtering, sorting and paging are ignored on these endpoints,
 * but a filter gets 403 so a client never believes its conditions held.
 */
function refuseFilter(query: Record<string, unknown>): void {
  if (query.filter !== undefined) {
    throw new ScimError(403, 'discovery endpoints cannot be filtered (RFC 7644 §4); request them without a filter');
  }
}

/** Every item at once: startIndex and count are ignored here (RFC 7644 §4). */
function listResponse(resources: Record<string, unknown>[]) {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: resources.length,
    itemsPerPage: resources.length,
    startIndex: 1,
    Resources: resources,
  };
}
