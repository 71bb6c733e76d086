import { HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ScimError } from '@scim-ledger/scim';

const logger = new Logger('HttpErrors');

/**
 * Errors outside /scim and /admin (issue 20, item 1): Nest's own JSON shape
 * (`statusCode`, `error`, `message`), with no SCIM schema and no path echoed
 * (it may carry personal data). The readiness probe's 503 keeps the body
 * terminus gave it, which names the failing check.
 */
export function answerPlainly(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const status = statusOf(exception);
  if (status >= 500 && !(exception instanceof HttpException)) logger.error(`request ${request.id} failed: ${(exception as Error)?.stack ?? String(exception)}`);
  const headers = exception instanceof ScimError ? exception.headers : {};
  void reply
    .status(status)
    .headers({ ...headers, 'content-type': 'application/json; charset=utf-8' })
    .send(terminusBody(exception) ?? { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: messageOf(exception, status) });
}

function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  if (exception instanceof ScimError) return exception.status;
  const status = (exception as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

function messageOf(exception: unknown, status: number): string {
  if (status === 404) return 'no such resource: SCIM is under /scim/v2, the admin API under /admin/v1';
  if (exception instanceof ScimError) return exception.detail;
  return status >= 500 ? 'internal error; the X-Request-Id header helps support find it' : 'the request could not be processed';
}

/** A failed health check's answer: `{ status: 'error', info, error, details }`. */
function terminusBody(exception: unknown): object | null {
  if (!(exception instanceof HttpException)) return null;
  const body = exception.getResponse();
  return typeof body === 'object' && body !== null && 'details' in body && 'status' in body ? body : null;
}
