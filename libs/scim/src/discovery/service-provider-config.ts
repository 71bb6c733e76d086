import { SERVICE_PROVIDER_CONFIG_SCHEMA } from './schema-definition';

/** What the caller knows and this library does not: limits set by the HTTP layer. */
export interface ServiceProviderLimits {
  /** The largest page GET /Users serves, whatever `count` asks (RFC 7644 §3.4.2.4). */
  readonly maxResults: number;
  readonly documentationUri?: string;
}

/**
 * RFC 7643 §5: what scim-ledger really supports, so an IdP does not try what
 * would fail.
 * - patch: PATCH /Users/{id} applies RFC 7644 §3.5.2 operations.
 * - bulk: no /Bulk endpoint, so both limits are 0.
 * - filter: every operator on /Users, pages capped at maxResults.
 * - changePassword: passwords are ignored, never stored (rule L11).
 * - sort: sortBy/sortOrder on /Users.
 * - etag: weak ETags from the stream revision, If-Match and If-None-Match (RFC 7644 §3.14).
 * - pagination (RFC 9865): index and cursor pagination on /Users; index stays
 *   the default because IdPs send startIndex; cursors never expire (they hold
 *   a place in creation order, not server state), so no cursorTimeout.
 * - authenticationSchemes: one bearer token per tenant (rule T2). RFC 7643
 *   §8.5's example carries "type" and "primary" that §8.7.2's schema omits (a reported erratum);
 *   IdPs read them, so they are sent.
 */
export function serviceProviderConfig(scimBaseUrl: string, limits: ServiceProviderLimits): Record<string, unknown> {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    ...(limits.documentationUri ? { documentationUri: limits.documentationUri } : {}),
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: limits.maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: limits.maxResults,
      maxPageSize: limits.maxResults,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          "The tenant's SCIM token, sent as Authorization: Bearer <token>. Each tenant has one token at a time, valid 365 days; generating a new one revokes the old at once.",
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${scimBaseUrl}/ServiceProviderConfig` },
  };
}
