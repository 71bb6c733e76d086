import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { SCIM_CONTENT_TYPE, ScimError } from '@scim-ledger/scim';
import { isAdminUrl, isScimUrl } from './api-paths';
import { PROBLEM_CONTENT_TYPE } from './problem-details.filter';

/**
 * Fastify's router refuses a malformed URL (400) or a path segment over its
 * maxParamLength (414) before Nest sees the request; those answers get the
 * same shape as every other error: a SCIM Error, or problem details under
 * /admin. The path is not echoed: it may carry personal data.
 */
export function frameworkError(error: { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode === 414 ? 414 : 400;
  const detail = status === 414 ? 'a segment of the URL path is too long' : 'the URL is not valid';
  if (isAdminUrl(request.url)) {
    void reply
      .status(status)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send({ type: 'about:blank', title: status === 414 ? 'URI Too Long' : 'Bad Request', status, detail });
    return;
  }
  if (!isScimUrl(request.url)) {
    void reply
      .status(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send({ statusCode: status, error: STATUS_CODES[status], message: detail });
    return;
  }
  void reply.status(status).header('content-type', SCIM_CONTENT_TYPE).send(new ScimError(status, detail).toBody());
}
