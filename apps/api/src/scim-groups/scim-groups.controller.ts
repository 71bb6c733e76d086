import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import {
  AttributeParameters,
  LIST_RESPONSE_SCHEMA,
  projectAttributes,
  readAttributeParameters,
  ScimError,
  ScimGroupView,
  SEARCH_REQUEST_SCHEMA,
  toScimGroup,
  versionOf,
} from '@scim-ledger/scim';
import { ScimAuthGuard } from '../auth/scim-bearer.strategy';
import { Context, RequestContext, SCIM_PREFIXES } from '../http/request-context';
import { GroupPage } from '../application/reading/scim-groups.read-model';
import { CreateScimGroup } from './creating-group/create-group.command';
import { DeleteScimGroup } from './deleting-group/delete-group.command';
import { GetScimGroup } from './getting-group/get-group.query';
import { ListScimGroups } from './listing-groups/list-groups.query';
import { UpdateScimGroup } from './updating-group/update-group.command';
import { membersShown } from './group-answers';

/** /Groups under /scim/v2 and the vendor's alias /insync/scim (rules T1, G1). */
@Controller(SCIM_PREFIXES.map((prefix) => `${prefix}/Groups`))
@UseGuards(ScimAuthGuard)
export class ScimGroupsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  async create(
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const shown = readAttributeParameters(query);
    const view = await this.commands.execute<CreateScimGroup, ScimGroupView>(new CreateScimGroup(body, membersShown(shown), context));
    void reply.header('Location', groupLocation(context, view.id)).header('ETag', versionOf(view.revision));
    return groupResource(view, context, shown);
  }

  @Get()
  list(@Query() query: Record<string, unknown>, @Context() context: RequestContext) {
    return this.listResponse(query, context);
  }

  /** RFC 7644 §3.4.3: the same query in a body. */
  @Post('.search')
  @HttpCode(200)
  search(@Body() body: unknown, @Context() context: RequestContext) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ScimError(400, 'the body must be a SearchRequest', 'invalidSyntax');
    const request = { ...(body as Record<string, unknown>) };
    for (const key of ['attributes', 'excludedAttributes']) {
      const names = request[key];
      if (Array.isArray(names) && names.every((name) => typeof name === 'string')) request[key] = names.join(',');
    }
    const schemas = request.schemas;
    if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.includes(SEARCH_REQUEST_SCHEMA))) {
      throw new ScimError(400, `schemas must contain ${SEARCH_REQUEST_SCHEMA}`, 'invalidSyntax');
    }
    return this.listResponse(request, context);
  }

  private async listResponse(parameters: Record<string, unknown>, context: RequestContext) {
    const shown = readAttributeParameters(parameters);
    const page = await this.queries.execute<ListScimGroups, GroupPage & { startIndex: number }>(
      new ListScimGroups(context.principal.tenantId, parameters, membersShown(shown)),
    );
    return {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: page.totalResults,
      itemsPerPage: page.groups.length,
      startIndex: page.startIndex,
      Resources: page.groups.map((view) => groupResource(view, context, shown)),
    };
  }

  @Get(':id')
  async get(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const shown = readAttributeParameters(query);
    const view = await this.queries.execute<GetScimGroup, ScimGroupView>(new GetScimGroup(context.principal.tenantId, id, membersShown(shown)));
    const version = versionOf(view.revision);
    void reply.header('ETag', version);
    // RFC 7644 §3.14: the client's copy is current.
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === version || tag.trim() === '*')) {
      void reply.status(304);
      return undefined;
    }
    return groupResource(view, context, shown);
  }

  @Put(':id')
  async replace(
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Headers('if-match') ifMatch: string | undefined,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const shown = readAttributeParameters(query);
    const view = await this.commands.execute<UpdateScimGroup, ScimGroupView>(
      new UpdateScimGroup(id, { kind: 'replace', body }, ifMatch, membersShown(shown), context),
    );
    void reply.header('ETag', versionOf(view.revision));
    return groupResource(view, context, shown);
  }

  /**
   * RFC 7644 §3.5.2: 204 without a body, as Entra ID and Okta expect of a
   * group's PATCH; the members of a large group are not read back for it.
   */
  @Patch(':id')
  @HttpCode(204)
  async patch(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const view = await this.commands.execute<UpdateScimGroup, ScimGroupView>(new UpdateScimGroup(id, { kind: 'patch', body }, ifMatch, false, context));
    void reply.header('ETag', versionOf(view.revision));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Context() context: RequestContext) {
    await this.commands.execute(new DeleteScimGroup(id, ifMatch, context));
  }
}

/** RFC 7644 §3.9: `attributes`/`excludedAttributes` shape every response that returns a group. */
function groupResource(view: ScimGroupView, context: RequestContext, shown: AttributeParameters) {
  return projectAttributes(toScimGroup(view, groupLocation(context, view.id), context.scimBaseUrl), shown);
}

function groupLocation(context: RequestContext, id: string): string {
  return `${context.scimBaseUrl}/Groups/${encodeURIComponent(id)}`;
}
