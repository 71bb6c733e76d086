import type { MembershipChange } from '@scim-ledger/domain';
import { PATCH_OP_SCHEMA } from '../scim-schemas';
import { ScimError } from '../scim-error';
import { isStorableText } from '../storable-text';
import { isObject } from '../user-resource';
import { displayNameOf, externalIdOf, groupAttributeName, memberIdsOf } from './group-resource';

/** What one PATCH of a group asks for (RFC 7644 §3.5.2): attributes left out stay; membership changes apply in order. */
export interface GroupPatch {
  readonly displayName?: string;
  readonly externalId?: string | null;
  readonly membership: readonly MembershipChange[];
}

/** RFC 7644 §3.5.2 names no bound; Entra ID sends at most a few operations, with up to 1,000 members in one. */
export const MAX_GROUP_PATCH_OPERATIONS = 1_000;

const invalidSyntax = (detail: string) => new ScimError(400, detail, 'invalidSyntax');
const invalidPath = (detail: string) => new ScimError(400, detail, 'invalidPath');

/** `members[value eq "<id>"]`: Okta's and Entra's removal of one member. */
const MEMBER_VALUE_PATH = /^members\s*\[\s*value\s+eq\s+"((?:[^"\\]|\\.)*)"\s*\]$/i;

/**
 * Reads a PATCH of a group in every form Entra ID and Okta send: op in any
 * case; `members` with a value array (add, remove, replace, replace with []);
 * `members[value eq "…"]` (remove); `displayName` and `externalId` by path;
 * and path-less replace of an object (`{"id":…,"displayName":…}`, Okta's
 * rename; Entra ID's without its aadOptscim062020 flag).
 */
export function readGroupPatch(body: unknown): GroupPatch {
  if (!isObject(body)) throw invalidSyntax('the body must be a PatchOp message');
  const schemas = body.schemas;
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.includes(PATCH_OP_SCHEMA))) throw invalidSyntax(`schemas must contain ${PATCH_OP_SCHEMA}`);
  const operations = body.Operations ?? body.operations;
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax('Operations must be a non-empty array (RFC 7644 §3.5.2)');
  if (operations.length > MAX_GROUP_PATCH_OPERATIONS) throw invalidSyntax(`at most ${MAX_GROUP_PATCH_OPERATIONS} operations per PATCH`);
  const patch: { displayName?: string; externalId?: string | null; membership: MembershipChange[] } = { membership: [] };
  for (const operation of operations) applyOperation(patch, operation);
  return patch;
}

type Op = 'add' | 'remove' | 'replace';

function applyOperation(patch: { displayName?: string; externalId?: string | null; membership: MembershipChange[] }, operation: unknown): void {
  if (!isObject(operation)) throw invalidSyntax('each operation must be an object');
  const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : '';
  if (op !== 'add' && op !== 'remove' && op !== 'replace') throw invalidSyntax(`op must be add, remove or replace, not ${JSON.stringify(operation.op)}`);
  const path = operation.path;
  if (path === undefined || path === null || path === '') {
    if (op === 'remove') throw new ScimError(400, 'a remove needs a path (RFC 7644 §3.5.2.2)', 'noTarget');
    if (!isObject(operation.value)) throw invalidSyntax('an operation without a path needs an object value');
    for (const [key, value] of Object.entries(operation.value)) applyToAttribute(patch, op, groupAttributeName(key), value, true);
    return;
  }
  if (typeof path !== 'string') throw invalidPath('path must be a string');
  const member = MEMBER_VALUE_PATH.exec(path.trim());
  if (member) {
    if (op !== 'remove') throw invalidPath(`${op} of "${path}" is not supported: add or replace members through the path "members"`);
    patch.membership.push({ op: 'remove', userIds: [memberIdIn(member[1], path)] });
    return;
  }
  applyToAttribute(patch, op, groupAttributeName(path.trim()), operation.value, false);
}

/** The id in `members[value eq "…"]`, a JSON string (RFC 7644 §3.4.2.2). */
function memberIdIn(literal: string, path: string): string {
  let id: unknown;
  try {
    id = JSON.parse(`"${literal}"`);
  } catch {
    id = null;
  }
  if (typeof id !== 'string' || !isStorableText(id)) throw invalidPath(`the value in "${path}" is not a valid JSON string`);
  return id;
}

function applyToAttribute(
  patch: { displayName?: string; externalId?: string | null; membership: MembershipChange[] },
  op: Op,
  name: string,
  value: unknown,
  pathless: boolean,
): void {
  switch (name) {
    case 'displayname':
      if (op === 'remove') throw new ScimError(400, 'displayName is required and cannot be removed', 'mutability');
      patch.displayName = displayNameOf(value);
      return;
    case 'externalid':
      patch.externalId = op === 'remove' ? null : externalIdOf(value);
      return;
    case 'members':
      if (op === 'remove') {
        // RFC 7644 §3.5.2.2: without a value filter, removing "members" removes them all; with values, those.
        patch.membership.push(value === undefined || value === null ? { op: 'replace', userIds: [] } : { op: 'remove', userIds: memberIdsOf(value) });
      } else {
        patch.membership.push({ op, userIds: value === null || value === undefined ? [] : memberIdsOf(value) });
      }
      return;
    // Path-less values repeat what the server assigns (Okta sends the id, Entra ID sometimes schemas): nothing to change.
    case 'id':
    case 'schemas':
    case 'meta':
      if (pathless) return;
      throw new ScimError(400, `${name} is assigned by the server and cannot be changed`, 'mutability');
    default:
      throw invalidPath(`the Group has no attribute "${name}" that can be changed (displayName, externalId, members)`);
  }
}
