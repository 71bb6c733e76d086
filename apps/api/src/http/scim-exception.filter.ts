import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EmailReservationRefused, PlacementRefused, ProfileFull, UserCommandRefused } from '@scim-ledger/domain';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { SCIM_CONTENT_TYPE, ScimError } from '@scim-ledger/scim';
import { ProblemDetailsFilter } from './problem-details.filter';
import { isStorageUnavailable, RETRY_AFTER_SECONDS } from './storage-unavailable';
import { EXPENSIVE_READS_RETRY_AFTER_SECONDS, ExpensiveReadsRefused } from '../application/reading/expensive-reads';
import { QueryTimedOut } from '../application/reading/read-budget';

/**
 * Every failure leaves as a SCIM Error (RFC 7644 §3.12) with a string status
 * and the scimType a client can act on; nothing internal (stack, SQL) leaks.
 */
@Catch()
export class ScimExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ScimErrors');
  private readonly adminErrors = new ProblemDetailsFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    // What fails before an admin route runs (rate limit, body parsing, unknown admin path)
    // reaches this global filter too; the admin API answers in its own format (RFC 9457).
    if (request.url.startsWith('/admin/')) return this.adminErrors.catch(exception, host);
    const reply = http.getResponse<FastifyReply>();
    const error = toScimError(exception);
    // 501 is a deliberate refusal (e.g. group pushes), not a failure worth a stack trace.
    if (error.status >= 500 && error.status !== 501) {
      this.logger.error(`request ${request.id} failed: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    void reply.status(error.status).headers({ ...error.headers, 'content-type': SCIM_CONTENT_TYPE }).send(error.toBody());
  }
}

/**
 * Each refusal's status and scimType are chosen so that Entra ID and Okta show
 * the admin a useful message and retry only what retrying can fix (README,
 * "Why a request is refused").
 */
export function toScimError(exception: unknown): ScimError {
  if (exception instanceof ScimError) return exception;
  if (exception instanceof UserCommandRefused) {
    switch (exception.reason) {
      case 'UserAlreadyExists':
        return new ScimError(409, exception.message, 'uniqueness');
      case 'UserNotFound':
        return new ScimError(404, 'User not found');
      case 'InvalidUser':
      case 'PlacementRequired':
        return new ScimError(400, exception.message, 'invalidValue');
      case 'ReactivationForbidden':
        return new ScimError(400, exception.message, 'mutability');
      case 'UserNotPreserved':
      case 'UserOnLegalHold':
        return new ScimError(409, exception.message);
    }
  }
  if (exception instanceof EmailReservationRefused) {
    // Rule L9: a claim in flight clears by itself, so the IdP's retry succeeds.
    if (exception.reason === 'EmailBeingClaimed') return new ScimError(409, exception.message, 'uniqueness', { 'Retry-After': '5' });
    return new ScimError(409, exception.message, 'uniqueness');
  }
  if (exception instanceof PlacementRefused) {
    switch (exception.reason) {
      case 'NoMappingMatched':
        return new ScimError(400, exception.message, 'invalidValue');
      case 'StorageUnhealthy':
        // Rule M6: health comes back without the IdP changing anything, so a retry can succeed.
        return new ScimError(503, exception.message, undefined, { 'Retry-After': '300' });
      case 'ScimNotEnabled':
      case 'LicenceLimitReached':
        return new ScimError(403, exception.message);
    }
  }
  if (exception instanceof ProfileFull) {
    // Rule M5: only an admin raising the cap helps; a 4xx keeps Okta from retrying in a loop.
    return new ScimError(403, `${exception.message}; ask an administrator to raise the limit`);
  }
  if (exception instanceof ExpensiveReadsRefused) {
    // RFC 6585 §4: the tenant's share is taken; Entra ID and Okta back off on 429.
    return new ScimError(429, exception.message, undefined, { 'Retry-After': String(EXPENSIVE_READS_RETRY_AFTER_SECONDS) });
  }
  if (exception instanceof QueryTimedOut) {
    // Not a fault: the read was cancelled at its budget; it may fit when the database is less busy, a narrower filter sooner.
    return new ScimError(503, exception.message, undefined, { 'Retry-After': RETRY_AFTER_SECONDS });
  }
  if (exception instanceof WrongExpectedRevisionError) {
    return new ScimError(409, 'the user changed concurrently; retry the request');
  }
  if (exception instanceof EventStoreUnavailableError || isStorageUnavailable(exception)) {
    return new ScimError(503, 'the service is temporarily unavailable; retry later', undefined, { 'Retry-After': RETRY_AFTER_SECONDS });
  }
  if (exception instanceof HttpException) return fromHttpException(exception.getStatus(), exception.message);
  // Anything else that names a client-error status (Fastify's own errors) keeps it.
  const status = (exception as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return fromHttpException(status, '');
  return new ScimError(500, 'internal error; the request id in the X-Request-Id header helps support find it');
}

/**
 * Nest turns what fails before a route runs (unparsable or oversized body,
 * unknown media type, unknown route) into HTTP exceptions; they get SCIM
 * bodies here.
 */
function fromHttpException(status: number, message: string): ScimError {
  switch (status) {
    case 400:
      return new ScimError(400, 'the request body is not valid JSON', 'invalidSyntax');
    case 404:
      return new ScimError(404, 'Resource not found');
    case 413:
      return new ScimError(413, 'the request body is too large');
    case 415:
      return new ScimError(415, 'send application/scim+json or application/json');
    default:
      return new ScimError(status, message || 'the request could not be processed');
  }
}
