/**
 * Which API a request's URL belongs to. The router matches paths in any case
 * and with or without a trailing slash (issue 18, item 5: IdPs and their
 * tools send `/users` and `/Users/?filter=…`), so every check of a URL by its
 * prefix must ignore case too, or `/Admin/v1/…` would reach an admin route and
 * be answered as SCIM.
 */

/**
 * Fastify's router options: paths in any case (params keep theirs: find-my-way
 * lower-cases only what it matches static segments with, and ids are compared
 * as stored) and a trailing slash ignored. Global, so /admin tolerates the same.
 */
export const ROUTER_OPTIONS = { caseSensitive: false, ignoreTrailingSlash: true } as const;

export const SCIM_PREFIXES = ['scim/v2', 'insync/scim'] as const;

/** The admin API and its OpenAPI document, answered as problem details (RFC 9457). */
export function isAdminUrl(url: string): boolean {
  return /^\/admin\//i.test(url);
}

/** The Swagger UI and its assets, which keep their own content policy. */
export function isAdminDocsUrl(url: string): boolean {
  return /^\/admin\/docs(?:[/?]|$)/i.test(url);
}

/** The SCIM base path a request came in under, as the routes spell it (rule T1); /scim/v2 when neither. */
export function scimPrefixOf(url: string): (typeof SCIM_PREFIXES)[number] {
  const path = url.toLowerCase();
  return SCIM_PREFIXES.find((prefix) => path.startsWith(`/${prefix}/`) || path === `/${prefix}`) ?? SCIM_PREFIXES[0];
}

// Built from SCIM_PREFIXES (letters and slashes only), so a third base path is added in one place.
const SCIM_USER_LIST = new RegExp(`^/(?:${SCIM_PREFIXES.join('|')})/Users/?(?:\\?|$)`, 'i');

/** The SCIM Users list under both base paths, in any case, with or without a trailing slash. */
export function isScimUserListUrl(url: string): boolean {
  return SCIM_USER_LIST.test(url);
}

/** `/scim` and `/insync/scim` and what lies under them: the two base paths (SCIM_PREFIXES) and their parents' SCIM part. */
const SCIM_URL = /^\/(?:insync\/)?scim(?:[/?]|$)/i;

/**
 * Under a SCIM base path (or `/scim` itself): answered as SCIM, errors as SCIM
 * Errors (RFC 7644 §3.12). Anything neither SCIM nor admin (`/`, `/health/…`,
 * `/metrics`, an unknown path) answers plain JSON (issue 20, item 1).
 */
export function isScimUrl(url: string): boolean {
  return SCIM_URL.test(url);
}

/** The probes (issue 20, item 1): no credential, left out of the rate limits and the request log. */
export function isProbeUrl(url: string): boolean {
  return /^\/health\/(?:live|ready)\/?(?:\?|$)/i.test(url);
}

/** Prometheus' scrape (issue 20, item 2): left out of the request log, which would hold a line per scrape. */
export function isMetricsUrl(url: string): boolean {
  return /^\/metrics\/?(?:\?|$)/i.test(url);
}
