import { EXPENSIVE_READS_RETRY_AFTER_SECONDS, ExpensiveReadsRefused } from '../application/reading/expensive-reads';
import { ArgumentsHost, BadRequestException, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainRefusalReason, DomainRefused } from '@scim-ledger/domain';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { ScimError } from '@scim-ledger/scim';
import { STATUS_CODES } from 'node:http';
import { isStorageUnavailable, RETRY_AFTER_SECONDS } from './storage-unavailable';
import { QueryTimedOut } from '../application/reading/read-budget';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A refusal of the admin API, rendered as RFC 9457 problem details. */
export class AdminProblem extends Error {
  override readonly name = 'AdminProblem';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/**
 * The admin API's status for each of the domain's refusals: duplicates and
 * taken things conflict, unknown things are not found, and any other broken
 * rule is a request the admin must change (422). The reason is the title.
 */
function adminStatusOf(reason: DomainRefusalReason): number {
  switch (reason) {
    // Rule L8 for the addresses: the address belongs to another user, possibly of another tenant.
    case 'EmailTaken':
    case 'EmailBeingClaimed':
    case 'TenantAlreadyExists':
    case 'StorageAlreadyExists':
    case 'ProfileAlreadyExists':
    case 'MappingAlreadyExists':
    case 'ApiCredentialAlreadyExists':
    case 'ClientIdTaken':
    case 'ScimTokenReused':
    case 'UsersOnLegalHold':
    case 'UserAlreadyExists':
    case 'UserOnLegalHold':
    case 'GroupNameTaken':
      return 409;
    case 'TenantNotFound':
    case 'UnknownApiCredential':
    case 'UnknownMapping':
    case 'UserNotFound':
    case 'GroupNotFound':
      return 404;
    case 'InvalidTenant':
    case 'InvalidTime':
    case 'InvalidFacts':
    case 'ScimNotAllowed':
    case 'ScimNotEnabled':
    case 'ScimInUse':
    case 'InvalidScimToken':
    case 'InvalidApiCredential':
    case 'InvalidNotificationContacts':
    case 'InvalidStorage':
    case 'UnknownStorage':
    case 'InvalidProfile':
    case 'UnknownProfile':
    case 'StorageNotAllowedForProfile':
    case 'InvalidMapping':
    case 'MappingFilterImmutable':
    case 'InvalidOrder':
    case 'InvalidUser':
    case 'ReactivationForbidden':
    case 'UserNotPreserved':
    case 'PlacementRequired':
    case 'NoMappingMatched':
    case 'StorageUnhealthy':
    case 'LicenceLimitReached':
    case 'ProfileFull':
    case 'InvalidGroup':
    case 'UnknownGroupMember':
      return 422;
    default: {
      const unknown: never = reason;
      throw new Error(`unknown refusal ${String(unknown)}`);
    }
  }
}

/**
 * The admin API answers errors as application/problem+json (RFC 9457), unlike
 * SCIM, whose clients expect the SCIM Error schema.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('AdminErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = toProblem(exception);
    if (problem.status >= 500) this.logger.error(`request ${request.id} failed: ${(exception as Error)?.stack ?? String(exception)}`);
    void reply
      .status(problem.status)
      .headers({ ...problem.headers, 'content-type': PROBLEM_CONTENT_TYPE })
      .send({
        type: 'about:blank',
        title: problem.title,
        status: problem.status,
        detail: problem.detail,
        instance: request.url.split('?')[0],
        ...problem.extra,
      });
  }
}

export function toProblem(exception: unknown): AdminProblem {
  if (exception instanceof AdminProblem) return exception;
  if (exception instanceof DomainRefused) return new AdminProblem(adminStatusOf(exception.reason), exception.reason, exception.message);
  if (exception instanceof ExpensiveReadsRefused) {
    return new AdminProblem(429, 'Too Many Requests', exception.message, {}, { 'Retry-After': String(EXPENSIVE_READS_RETRY_AFTER_SECONDS) });
  }
  if (exception instanceof QueryTimedOut) {
    // As on SCIM: cancelled at its budget, not a fault; a narrower search fits sooner.
    return new AdminProblem(503, 'Service Unavailable', exception.message, {}, { 'Retry-After': RETRY_AFTER_SECONDS });
  }
  if (exception instanceof WrongExpectedRevisionError) {
    return new AdminProblem(409, 'Conflict', 'the resource changed concurrently; retry the request');
  }
  if (exception instanceof EventStoreUnavailableError || isStorageUnavailable(exception)) {
    return new AdminProblem(503, 'Service Unavailable', 'the database is unavailable; retry later', {}, { 'Retry-After': RETRY_AFTER_SECONDS });
  }
  // Refusals raised before an admin route runs (rate limit, JSON nesting) are shared with SCIM.
  if (exception instanceof ScimError) {
    return new AdminProblem(exception.status, STATUS_CODES[exception.status] ?? 'Error', exception.detail, {}, { ...exception.headers });
  }
  if (exception instanceof BadRequestException) {
    // class-validator's messages, one per broken constraint.
    const response = exception.getResponse() as { message?: unknown };
    const errors = Array.isArray(response.message) ? response.message : [exception.message];
    return new AdminProblem(400, 'Bad Request', 'the request body or parameters are not valid', { errors });
  }
  if (exception instanceof HttpException) {
    // RFC 9457's title is the status's phrase for a plain HTTP error: Nest's bare HttpException would read "Http".
    return new AdminProblem(exception.getStatus(), STATUS_CODES[exception.getStatus()] ?? 'Error', exception.message);
  }
  const status = (exception as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AdminProblem(status, 'Bad Request', (exception as Error).message ?? 'the request could not be processed');
  }
  return new AdminProblem(500, 'Internal Server Error', 'internal error; the X-Request-Id header helps support find it');
}
