import {
  Body,
  Controller,
  createParamDecorator,
  Delete,
  ExecutionContext,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AttributeParameters,
  LIST_RESPONSE_SCHEMA,
  projectAttributes,
  readAttributeParameters,
  ScimError,
  ScimUserView,
  SEARCH_REQUEST_SCHEMA,
  toScimUser,
  versionOf,
} from '@scim-ledger/scim';
import { ScimAuthGuard } from '../auth/scim-bearer.strategy';
import { Context, RequestContext, SCIM_PREFIXES } from '../http/request-context';
import { CreateScimUser } from './creating-user/create-user.command';
import { DeleteScimUser } from './deleting-user/delete-user.command';
import { GetScimUser } from './getting-user/get-user.query';
import { ListScimUsers, ScimUserPage } from './listing-users/list-users.query';
import { UpdateScimUser } from './updating-user/update-user.command';

/** What a PUT or PATCH of one user sends, read off the request as @Param, @Body, @Query and @Headers would. */
interface UserWriteRequest {
  readonly id: string;
  readonly body: unknown;
  readonly query: Record<string, unknown>;
  readonly ifMatch: string | undefined;
}

const UserWrite = createParamDecorator((_: unknown, ctx: ExecutionContext): UserWriteRequest => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest<{ Params: { id: string }; Querystring: Record<string, unknown> }>>();
  const ifMatch = request.headers['if-match'];
  return { id: request.params.id, body: request.body, query: request.query, ifMatch: typeof ifMatch === 'string' ? ifMatch : undefined };
});

/** /Users under /scim/v2 and the vendor's alias /insync/scim (rule T1). */
@Controller(SCIM_PREFIXES.map((prefix) => `${prefix}/Users`))
@UseGuards(ScimAuthGuard)
export class ScimUsersController {
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
    const view = await this.commands.execute<CreateScimUser, ScimUserView>(new CreateScimUser(body, context));
    void reply.header('Location', userLocation(context, view.id)).header('ETag', versionOf(view.revision));
    return userResource(view, context, shown);
  }

  @Get()
  async list(@Query() query: Record<string, unknown>, @Context() context: RequestContext) {
    return this.listResponse(query, context);
  }

  /** RFC 7644 §3.4.3: the same query in a body, so filters stay out of URLs and logs. */
  @Post('.search')
  @HttpCode(200)
  async search(@Body() body: unknown, @Context() context: RequestContext) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ScimError(400, 'the body must be a SearchRequest', 'invalidSyntax');
    }
    const request = { ...(body as Record<string, unknown>) };
    // A SearchRequest lists attributes as JSON arrays of names (RFC 7644 §3.4.3).
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
    const page = await this.queries.execute<ListScimUsers, ScimUserPage>(new ListScimUsers(context.principal.tenantId, parameters));
    return {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: page.totalResults,
      itemsPerPage: page.users.length,
      ...(page.startIndex !== undefined ? { startIndex: page.startIndex } : {}),
      ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
      Resources: page.users.map((view) => userResource(view, context, shown)),
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
    const view = await this.queries.execute<GetScimUser, ScimUserView>(new GetScimUser(context.principal.tenantId, id));
    const version = versionOf(view.revision);
    void reply.header('ETag', version);
    // RFC 7644 §3.14: the client's copy is current.
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === version || tag.trim() === '*')) {
      void reply.status(304);
      return undefined;
    }
    return userResource(view, context, shown);
  }

  @Put(':id')
  replace(@UserWrite() write: UserWriteRequest, @Context() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.update('replace', write, context, reply);
  }

  @Patch(':id')
  patch(@UserWrite() write: UserWriteRequest, @Context() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.update('patch', write, context, reply);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Context() context: RequestContext) {
    await this.commands.execute(new DeleteScimUser(id, ifMatch, context));
  }

  /** PUT and PATCH differ only in how the body is read (UpdateScimUser's kind). */
  private async update(kind: UpdateScimUser['change']['kind'], write: UserWriteRequest, context: RequestContext, reply: FastifyReply) {
    // Unreadable attribute parameters are refused before anything is written.
    const shown = readAttributeParameters(write.query);
    const view = await this.commands.execute<UpdateScimUser, ScimUserView>(new UpdateScimUser(write.id, { kind, body: write.body }, write.ifMatch, context));
    void reply.header('ETag', versionOf(view.revision));
    return userResource(view, context, shown);
  }
}

/** RFC 7644 §3.9: `attributes`/`excludedAttributes` shape every response that returns a user. */
function userResource(view: ScimUserView, context: RequestContext, shown: AttributeParameters) {
  return projectAttributes(toScimUser(view, userLocation(context, view.id)), shown);
}

function userLocation(context: RequestContext, id: string): string {
  return `${context.scimBaseUrl}/Users/${encodeURIComponent(id)}`;
}
