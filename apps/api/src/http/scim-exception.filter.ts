import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainRefused } from '@scim-ledger/domain';
import type { AnsweredRefusal } from '../application/refusals/provisioning-refusals';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { SCIM_CONTENT_TYPE, ScimError } from '@scim-ledger/scim';
import { ProblemDetailsFilter } from './problem-details.filter';
import { isAdminUrl, isScimUrl } from './api-paths';
import { answerPlainly } from './plain-errors';
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
    if (isAdminUrl(request.url)) return this.adminErrors.catch(exception, host);
    // Outside both APIs (`/`, `/foo`, the probes) a client is no SCIM client: a plain HTTP answer (issue 20, item 1).
    if (!isScimUrl(request.url)) return answerPlainly(exception, request, http.getResponse<FastifyReply>());
    const reply = http.getResponse<FastifyReply>();
    const error = toScimError(exception);
    // 501 (group pushes) and a rule's 503 (an unhealthy storage, M6) are deliberate answers, not failures worth a stack trace;
    // a refusal answered 500 (a tenant's reason under a SCIM route) is our fault, and its request id must find this line.
    if (error.status >= 500 && error.status !== 501 && !(exception instanceof DomainRefused && error.status === 503)) {
      this.logger.error(`request ${request.id} failed: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    void reply
      .status(error.status)
      .headers({ ...error.headers, 'content-type': SCIM_CONTENT_TYPE })
      .send(error.toBody());
  }
}

/**
 * Each refusal's status and scimType are chosen so that Entra ID and Okta show
 * the admin a useful message and retry only what retrying can fix (README,
 * "Why a request is refused").
 */
export function toScimError(exception: unknown): ScimError {
  if (exception instanceof ScimError) return exception;
  if (exception instanceof DomainRefused) return scimAnswerTo(exception);
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
  return internalError();
}

function internalError(): ScimError {
  return new ScimError(500, 'internal error; the request id in the X-Request-Id header helps support find it');
}

/** The one mapping from the domain's reasons to SCIM answers (shared/STYLE.md point 19). */
export function scimAnswerTo({ reason, message }: DomainRefused): ScimError {
  switch (reason) {
    case 'UserAlreadyExists':
    case 'EmailTaken':
      // Rule L8: the address belongs to another user, possibly of another tenant.
      return new ScimError(409, message, 'uniqueness');
    case 'EmailBeingClaimed':
      // Rule L9: a claim in flight clears by itself, so the IdP's retry succeeds.
      return new ScimError(409, message, 'uniqueness', { 'Retry-After': '5' });
    case 'UserNotFound':
      return new ScimError(404, 'User not found');
    case 'GroupNotFound':
      return new ScimError(404, 'Group not found');
    case 'GroupNameTaken':
      // Rule G1: Entra ID expects 409 uniqueness for a display name another group of the tenant has.
      return new ScimError(409, message, 'uniqueness');
    case 'InvalidGroup':
    case 'UnknownGroupMember':
      return new ScimError(400, message, 'invalidValue');
    case 'InvalidUser':
    case 'PlacementRequired':
    case 'NoMappingMatched':
      return new ScimError(400, message, 'invalidValue');
    case 'ReactivationForbidden':
      return new ScimError(400, message, 'mutability');
    case 'UserNotPreserved':
    case 'UserOnLegalHold':
      return new ScimError(409, message);
    case 'StorageUnhealthy':
      // Rule M6: health comes back without the IdP changing anything, so a retry can succeed.
      return new ScimError(503, message, undefined, { 'Retry-After': '300' });
    case 'ScimNotEnabled':
    case 'LicenceLimitReached':
      return new ScimError(403, message);
    case 'ProfileFull':
      // Rule M5: only an admin raising the cap helps; a 4xx keeps Okta from retrying in a loop.
      return new ScimError(403, `${message}; ask an administrator to raise the limit`);
    // The tenant's own commands come from the admin API; one refused under a SCIM route is our fault, not the IdP's.
    case 'TenantAlreadyExists':
    case 'TenantNotFound':
    case 'InvalidTenant':
    case 'InvalidTime':
    case 'InvalidFacts':
    case 'ScimNotAllowed':
    case 'ScimInUse':
    case 'InvalidScimToken':
    case 'ScimTokenReused':
    case 'InvalidApiCredential':
    case 'ApiCredentialAlreadyExists':
    case 'ClientIdTaken':
    case 'UnknownApiCredential':
    case 'InvalidNotificationContacts':
    case 'InvalidStorage':
    case 'StorageAlreadyExists':
    case 'UnknownStorage':
    case 'InvalidProfile':
    case 'ProfileAlreadyExists':
    case 'UnknownProfile':
    case 'StorageNotAllowedForProfile':
    case 'InvalidMapping':
    case 'MappingAlreadyExists':
    case 'UnknownMapping':
    case 'MappingFilterImmutable':
    case 'InvalidOrder':
    case 'UsersOnLegalHold':
      return internalError();
    default: {
      const unknown: never = reason;
      throw new Error(`unknown refusal ${String(unknown)}`);
    }
  }
}

/**
 * Rule S2: what the IdP is answered, as its refusal is recorded. Null for the
 * service's own failures, which are logged as errors already.
 */
export function refusalAnswered(error: unknown, reason?: string): AnsweredRefusal | null {
  const scim = toScimError(error);
  if (scim.status >= 500 && scim.status !== 503) return null;
  const scimType = error instanceof ScimError ? error.scimType : undefined;
  return {
    reason: reason ?? (error instanceof DomainRefused ? error.reason : undefined) ?? scimType ?? `http${scim.status}`,
    status: scim.status,
    scimType: scim.scimType ?? null,
    detail: scim.detail,
  };
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
