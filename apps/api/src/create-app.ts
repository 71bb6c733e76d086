import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '@scim-ledger/platform';
import { refuseFilterOverBudget, SCIM_CONTENT_TYPE, SCIM_ERROR_SCHEMA, ScimError } from '@scim-ledger/scim';
import { AppModule, AppOverrides } from './app.module';
import { StartUpLinesAtDebug } from './start-up-lines';
import { ScimExceptionFilter } from './http/scim-exception.filter';
import { frameworkError } from './http/framework-errors';
import { parseJsonBodies } from './http/json-body';
import { limitFailedAuthentications, limitRequestRates } from './http/rate-limit';
import { addSecurityHeaders } from './http/security-headers';
import { noteRequestTenants } from './http/request-log-tenant';
import { measureRequests } from './http/http-metrics';
import { answerOrigins } from './http/public-origin';
import { isScimUrl, isScimUserListUrl, ROUTER_OPTIONS } from './http/api-paths';

/** A route as Fastify registered it: the security tests walk every one, so a new route cannot be forgotten. */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
}
const routeTables = new WeakMap<NestFastifyApplication, RegisteredRoute[]>();

/** Every route of the app, from Fastify's onRoute hook (HEAD routes Fastify adds for GETs left out). */
export function registeredRoutes(app: NestFastifyApplication): readonly RegisteredRoute[] {
  return routeTables.get(app) ?? [];
}

/** A caller's request id is kept when it looks like one, so IdP logs and ours line up (rule S1). */
function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[\w.:-]{1,100}$/.test(header) ? header : randomUUID();
}

export async function createApp(config: AppConfig, overrides: AppOverrides = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.maxBodyBytes,
    genReqId: (request: IncomingMessage) => requestId(request.headers['x-request-id']),
    frameworkErrors: frameworkError as never,
    clientErrorHandler: answerClientError,
    // Behind a TLS-terminating proxy (issue 20, item 4): request.ip is then the client's, for the rate limits, the
    // failed-authentication limit and the audit trail; request.protocol follows X-Forwarded-Proto.
    trustProxy: typeof config.trustProxy === 'object' ? [...config.trustProxy] : config.trustProxy,
    // IdPs and their tools send `/users`, `/Users/?filter=…` (issue 18, item 5).
    routerOptions: ROUTER_OPTIONS,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, overrides), adapter, {
    bufferLogs: true,
    // A provider that cannot start (a database not there) rejects here, and main says why in one line (issue 20,
    // item 7): Nest's own report of it (a stack, in colour) stays in the buffer that is never flushed then.
    abortOnError: false,
    autoFlushLogs: false,
    // Our own JSON parser (parseJsonBodies) replaces Nest's, which would bound size but not nesting.
    bodyParser: false,
  });
  app.useLogger(new StartUpLinesAtDebug(app.get(Logger)));
  app.flushLogs();
  app.useGlobalFilters(new ScimExceptionFilter());
  // @nestjs/platform-fastify ships its own copy of Fastify's types; the instance is the same.
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const routes: RegisteredRoute[] = [];
  routeTables.set(app, routes);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  // SCIM bodies are JSON; anything else is refused with 415 rather than read as text.
  fastify.removeContentTypeParser('text/plain');
  // RFC 7644 §3.1: clients may send application/scim+json; both JSON types are parsed with a nesting bound.
  parseJsonBodies(fastify, config.maxBodyBytes);
  measureRequests(fastify);
  limitFailedAuthentications(fastify, config);
  await limitRequestRates(fastify, config);
  addSecurityHeaders(fastify);
  noteRequestTenants(fastify);
  answerOrigins(fastify, config);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
    // No id, filter or cursor holds U+0000, and PostgreSQL refuses it in a parameter: a client error, not a 500.
    if (/%00|\u0000/i.test(request.url)) throw new ScimError(400, 'the URL may not contain U+0000', 'invalidValue');
    // A filter over its budget is refused here, before the rest of the request's way: a flood of such refusals held the
    // one thread long enough to slow other tenants' lookups past 50 ms on PostgreSQL (issue 15, finding 3).
    const filter = request.method === 'GET' ? (request.query as { filter?: unknown } | undefined)?.filter : undefined;
    if (typeof filter === 'string' && isScimUserListUrl(request.url)) refuseFilterOverBudget(filter);
    // IdPs send a JSON content type on bodiless DELETEs and GETs; an empty body is no body, not bad JSON.
    const length = request.headers['content-length'];
    if ((length === undefined || length === '0') && request.headers['transfer-encoding'] === undefined) {
      delete request.headers['content-type'];
    }
  });
  // Every SCIM answer is a SCIM message, so it says so (RFC 7644 §8.1); the admin API, its OpenAPI document, the probes
  // and the rest answer plain JSON.
  fastify.addHook('onSend', async (request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json') && isScimUrl(request.url)) void reply.header('content-type', SCIM_CONTENT_TYPE);
    return payload;
  });
  // The admin API's OpenAPI document, generated from the controllers and DTOs.
  const openApi = new DocumentBuilder()
    .setTitle('scim-ledger admin API')
    .setDescription('Tenants, SCIM tokens, API credentials, storages, profiles and SCIM mappings. Errors are RFC 9457 problem details.')
    .setVersion('1')
    // Not a JWT (Nest's default bearerFormat): a random secret compared by its hash.
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'the operator token (ADMIN_OPERATOR_TOKEN)' }, 'operator')
    .addBasicAuth({ type: 'http', scheme: 'basic', description: "a tenant's API credential: client id and secret" }, 'api-credential')
    .build();
  const document = SwaggerModule.createDocument(app, openApi);
  // RFC 9457 §3.1: the members every admin error carries (the routes' error responses refer to it).
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status'],
        properties: {
          type: { type: 'string', description: 'a URI naming the problem type; about:blank when the status says it all' },
          title: { type: 'string', description: 'the status text' },
          status: { type: 'integer', description: 'the HTTP status' },
          detail: { type: 'string', description: 'what went wrong with this request, and what fixes it' },
        },
      },
    },
  };
  document.paths = Object.fromEntries(Object.entries(document.paths).filter(([path]) => path.startsWith('/admin/')));
  SwaggerModule.setup('admin/docs', app, document, { jsonDocumentUrl: 'admin/docs/openapi.json' });
  app.enableShutdownHooks();
  await app.init();
  return app;
}

/**
 * Requests Node's parser refuses before Fastify sees them (headers over 16 KiB:
 * 431; a malformed request line: 400) still get a SCIM error, not a bare status line.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail =
    status === 431 ? 'the request headers are larger than 16 KiB' : status === 408 ? 'the request took too long to arrive' : 'the request is not valid HTTP';
  const body = JSON.stringify({ schemas: [SCIM_ERROR_SCHEMA], status: String(status), detail });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${SCIM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
