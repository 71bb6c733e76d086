import { createHash } from 'node:crypto';
import { ScimError } from '@scim-ledger/scim';
import type { PageCursor, UserPageRequest } from '../../application/reading/scim-users.read-model';

/**
 * RFC 9865 cursors are opaque to the client. Ours carry the last row's place
 * in creation order (keyset pagination: no OFFSET scan on large tenants, and
 * no user is skipped or repeated when users are added meanwhile) plus a
 * fingerprint of the query, so a cursor cannot be replayed on another filter.
 */
export function encodeCursor(after: PageCursor, request: Pick<UserPageRequest, 'filter'>): string {
  return Buffer.from(JSON.stringify({ c: after.createdAt, i: after.id, q: fingerprint(request) }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, request: Pick<UserPageRequest, 'filter'>): PageCursor {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = null;
  }
  const fields = decoded as { c?: unknown; i?: unknown; q?: unknown } | null;
  if (!fields || typeof fields.c !== 'string' || typeof fields.i !== 'string' || typeof fields.q !== 'string') {
    throw new ScimError(400, 'the cursor is not one this server issued', 'invalidCursor');
  }
  if (fields.q !== fingerprint(request)) {
    throw new ScimError(400, 'the cursor belongs to a different query: keep filter the same while paging', 'invalidCursor');
  }
  return { createdAt: fields.c, id: fields.i };
}

function fingerprint(request: Pick<UserPageRequest, 'filter'>): string {
  return createHash('sha256')
    .update(request.filter ?? '')
    .digest('base64url')
    .slice(0, 16);
}
