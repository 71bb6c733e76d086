import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UserCommandRefused } from '@scim-ledger/domain';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { SCIM_CONTENT_TYPE, ScimError } from '@scim-ledger/scim';

/**
 * Every failure leaves as a SCIM Error (RFC 7644 §3.12) with a string status
 * and the scimType a client can act on; nothing internal (stack, SQL) leaks.
 */
@Catch()
export class ScimExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ScimErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const error = toScimError(exception);
    if (error.status >= 500) {
      this.logger.error(`request ${request.id} failed: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    void reply.status(error.status).headers({ ...error.headers, 'content-type': SCIM_CONTENT_TYPE }).send(error.toBody());
  }
}

export function toScimError(exception: unknown): ScimError {
  if (exception instanceof ScimError) return exception;
  if (exception instanceof UserCommandRefused) {
    switch (exception.reason) {
      case 'UserAlreadyExists':
        return new ScimError(409, exception.message, 'uniqueness');
      case 'UserNotFound':
        return new ScimError(404, 'User not found');
      case 'InvalidUser':
        return new ScimError(400, exception.message, 'invalidValue');
      case 'ReactivationForbidden':
        return new ScimError(400, exception.message, 'mutability');
    }
  }
  if (exception instanceof WrongExpectedRevisionError) {
    return new ScimError(409, 'the user changed concurrently; retry the request');
  }
  if (exception instanceof EventStoreUnavailableError) {
    return new ScimError(503, 'the service is temporarily unavailable; retry later', undefined, { 'Retry-After': '5' });
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Nest reports an unparsable body as a plain 400.
    if (status === 400) return new ScimError(400, 'the request body is not valid JSON', 'invalidSyntax');
    return new ScimError(status, status === 404 ? 'Resource not found' : exception.message);
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode < 500) {
    return fromFastifyError(fastifyError.statusCode, fastifyError.code, fastifyError.message);
  }
  return new ScimError(500, 'internal error; the request id in the X-Request-Id header helps support find it');
}

/** Errors Fastify raises before a route runs: body parsing, size, media type. */
export function fromFastifyError(status: number, code: string | undefined, message: string | undefined): ScimError {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ScimError(413, 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ScimError(415, 'send application/scim+json or application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ScimError(400, 'the request body is not valid JSON', 'invalidSyntax');
  }
  if (status === 400 && message && /JSON/i.test(message)) return new ScimError(400, 'the request body is not valid JSON', 'invalidSyntax');
  return new ScimError(status, status === 404 ? 'Resource not found' : 'the request could not be processed', status === 400 ? 'invalidSyntax' : undefined);
}
