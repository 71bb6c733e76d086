/**
 * The one place a credential is read from: the Authorization header (RFC 7235
 * §2.1; RFC 6750 §2.1 for Bearer). Never a query parameter or a body field
 * (RFC 6750 §2.2-2.3 allow them, but they end up in logs, browser history and
 * stored bodies), so a token sent anywhere else is no token.
 */
export type PresentedCredential =
  { readonly scheme: 'bearer'; readonly token: string } | { readonly scheme: 'basic'; readonly clientId: string; readonly secret: string };

/**
 * The scheme is case-insensitive and may be followed by several spaces
 * (RFC 7235 §2.1: `auth-scheme 1*SP token68`), so `bearer`, `BEARER` and
 * `Bearer   x` are one credential. Anything else is none.
 */
export function presentedCredential(header: unknown): PresentedCredential | null {
  if (typeof header !== 'string') return null;
  const match = /^\s*(\w+) +(\S+)\s*$/.exec(header);
  if (!match) return null;
  const [, scheme, value] = match;
  if (/^bearer$/i.test(scheme)) return { scheme: 'bearer', token: value };
  if (/^basic$/i.test(scheme)) {
    // RFC 7617 §2: base64 of "client-id:secret"; the id cannot hold a colon.
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    return { scheme: 'basic', clientId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  return null;
}

/** What a credential is counted by (rate limits): its parsed value, hashed by the caller, never its spelling. */
export function credentialKey(credential: PresentedCredential): string {
  return credential.scheme === 'bearer' ? `bearer\u0000${credential.token}` : `basic\u0000${credential.clientId}\u0000${credential.secret}`;
}

/**
 * The request as a passport strategy sees it: no body and no query, so
 * passport-http-bearer's `access_token` fallbacks find nothing, and the
 * Authorization header in one canonical spelling (or none), so every strategy
 * reads the credential exactly as the rate limit counted it.
 */
export function headerOnlyRequest<T extends { headers: Record<string, unknown> }>(request: T): T {
  const credential = presentedCredential(request.headers.authorization);
  const authorization =
    credential === null
      ? undefined
      : credential.scheme === 'bearer'
        ? `Bearer ${credential.token}`
        : `Basic ${Buffer.from(`${credential.clientId}:${credential.secret}`).toString('base64')}`;
  return Object.create(request, {
    body: { value: undefined },
    query: { value: undefined },
    headers: { value: { ...request.headers, authorization } },
  }) as T;
}
