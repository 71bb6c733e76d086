import request, { Response, Test } from 'supertest';
import { TestApp } from './test-app';

/**
 * Requests as Microsoft Entra ID and Okta send them, for the e2e suites that
 * replay their documented provisioning flows. Bodies go out as the exact JSON
 * text the IdP sends, with the IdP's own headers.
 */

export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * What Entra sends on POST and PATCH (MicrosoftDocs/azure-docs#12728: the
 * documented `application/json` is in fact `application/scim+json; charset=utf-8`).
 */
export const ENTRA_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
/**
 * The Entra docs show no User-Agent; this stands for whatever the
 * provisioning service sends, so the audit trail can be checked (rule S1).
 */
export const ENTRA_USER_AGENT = 'Microsoft Entra ID provisioning (e2e replay)';

/** okta-developer-docs, docs/reference/scim (SCIM Protocol): the headers of every Okta SCIM 2.0 request. */
export const OKTA_USER_AGENT = 'Okta SCIM Client 1.0.0';
export const OKTA_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export interface IdpClient {
  get(path: string): Test;
  delete(path: string): Test;
  /** `body` is sent as JSON text with the IdP's Content-Type unless `contentType` says otherwise. */
  post(path: string, body: unknown, contentType?: string): Test;
  put(path: string, body: unknown, contentType?: string): Test;
  patch(path: string, body: unknown, contentType?: string): Test;
}

interface IdpHeaders {
  readonly always: Record<string, string>;
  readonly contentType: string;
}

function idpClient(t: TestApp, token: string, headers: IdpHeaders): IdpClient {
  const withHeaders = (test: Test) => {
    let decorated = test.set('Authorization', `Bearer ${token}`);
    for (const [name, value] of Object.entries(headers.always)) decorated = decorated.set(name, value);
    return decorated;
  };
  const withBody = (test: Test, body: unknown, contentType = headers.contentType) =>
    withHeaders(test)
      .set('Content-Type', contentType)
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    get: (path) => withHeaders(request(t.http).get(path)),
    delete: (path) => withHeaders(request(t.http).delete(path)),
    post: (path, body, contentType) => withBody(request(t.http).post(path), body, contentType),
    put: (path, body, contentType) => withBody(request(t.http).put(path), body, contentType),
    patch: (path, body, contentType) => withBody(request(t.http).patch(path), body, contentType),
  };
}

/** Microsoft Entra ID's provisioning service with a long-lived Secret Token. */
export function entraClient(t: TestApp, token: string): IdpClient {
  return idpClient(t, token, { always: { 'User-Agent': ENTRA_USER_AGENT }, contentType: ENTRA_CONTENT_TYPE });
}

/** Okta's SCIM 2.0 client with an HTTP Header (Bearer) credential. */
export function oktaClient(t: TestApp, token: string): IdpClient {
  return idpClient(t, token, {
    always: { 'User-Agent': OKTA_USER_AGENT, Accept: 'application/scim+json', 'Accept-Charset': 'utf-8' },
    contentType: OKTA_CONTENT_TYPE,
  });
}

/** `?filter=…` percent-encoded as a client library does, then any further parameters. */
/**
 * Okta's SCIM 2.0 reference, "Update the User": the PUT exactly as it shows it
 * (name with a middleName, no displayName), for a user's id and userName.
 */
export function oktaReferencePut(id: string, userName: string): Record<string, unknown> {
  return {
    schemas: [CORE_USER_SCHEMA],
    id,
    userName,
    name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work', display: userName }],
    active: true,
    groups: [],
    meta: { resourceType: 'User' },
  };
}

export function filterQuery(filter: string, extra = ''): string {
  return `?filter=${encodeURIComponent(filter)}${extra}`;
}

export function patchOp(operations: unknown[]): Record<string, unknown> {
  return { schemas: [PATCH_OP_SCHEMA], Operations: operations };
}

// ---------------------------------------------------------------------------
// What an IdP reads from our answers.

export function expectScimContentType(response: Response): void {
  expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
}

/** RFC 7643 §3.1 and §4.1: the attributes an IdP keys on, with meta as RFC 7643 §3.1 defines it. */
export function expectScimUser(user: Record<string, unknown>, scimBase: string): void {
  expect(user.schemas).toEqual(expect.arrayContaining([CORE_USER_SCHEMA]));
  expect(typeof user.id).toBe('string');
  expect(user.id).not.toBe('');
  expect(typeof user.userName).toBe('string');
  expect(typeof user.active).toBe('boolean');
  const meta = user.meta as Record<string, unknown>;
  expect(meta).toMatchObject({ resourceType: 'User', version: expect.stringMatching(/^W\/".+"$/) });
  expect(meta.location).toMatch(new RegExp(`^https?://[^/]+${scimBase}/Users/${user.id}$`));
  expect(Number.isNaN(Date.parse(String(meta.created)))).toBe(false);
  expect(Number.isNaN(Date.parse(String(meta.lastModified)))).toBe(false);
  // rule L11: a password is never echoed, stored or returned.
  expect(user).not.toHaveProperty('password');
}

/** The status, failing with the whole answer in the diff so a failure shows what we said. */
export function expectStatus(response: Response, status: number): void {
  const answer = response.text;
  expect({ status: response.status, answer }).toEqual({ status, answer });
}

/** A single user answer (GET, PUT, PATCH): 200, SCIM content type, a User, and its ETag. */
export function expectUserResponse(response: Response, scimBase: string, status = 200): Record<string, unknown> {
  expectStatus(response, status);
  expectScimContentType(response);
  expectScimUser(response.body, scimBase);
  expect(response.headers.etag).toBe((response.body.meta as Record<string, unknown>).version);
  return response.body;
}

/** RFC 7644 §3.4.2: a ListResponse with integer counters (Okta: "exchanged as integers, not as strings"). */
export function expectListResponse(response: Response, scimBase: string, totalResults: number): Record<string, unknown>[] {
  expectStatus(response, 200);
  expectScimContentType(response);
  const body = response.body as Record<string, unknown>;
  expect(body.schemas).toEqual([LIST_RESPONSE_SCHEMA]);
  expect(body.totalResults).toBe(totalResults);
  expect(Number.isInteger(body.startIndex)).toBe(true);
  expect(Number.isInteger(body.itemsPerPage)).toBe(true);
  expect(Array.isArray(body.Resources)).toBe(true);
  const resources = body.Resources as Record<string, unknown>[];
  expect(resources).toHaveLength(body.itemsPerPage as number);
  for (const user of resources) expectScimUser(user, scimBase);
  return resources;
}

/** RFC 7644 §3.12: an Error message whose status is a string. */
export function expectScimError(response: Response, status: number): void {
  expect({ status: response.status, body: response.body }).toMatchObject({
    status,
    body: { schemas: [ERROR_SCHEMA], status: String(status) },
  });
  expectScimContentType(response);
}
