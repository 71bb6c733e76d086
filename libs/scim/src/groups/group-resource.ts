import type { MembershipChange } from '@scim-ledger/domain';
import { CORE_GROUP_SCHEMA } from '../discovery/schema-definition';
import { ScimError } from '../scim-error';
import { isStorableText } from '../storable-text';
import { isObject, versionOf } from '../user-resource';

/** A group as the read model or a write leaves it; `members` null when they were not read (excludedAttributes=members). */
export interface ScimGroupView {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly members: readonly { readonly value: string; readonly display: string | null }[] | null;
  readonly created: string;
  readonly lastModified: string;
  readonly revision: number;
}

export type ScimGroupResource = Record<string, unknown> & { id: string; meta: Record<string, unknown> };

/** RFC 7643 §4.2: members carry value, $ref, display and type (always User: groups hold users only, rule G1). */
export function toScimGroup(view: ScimGroupView, location: string, scimBaseUrl: string): ScimGroupResource {
  return {
    schemas: [CORE_GROUP_SCHEMA],
    id: view.id,
    ...(view.externalId !== null ? { externalId: view.externalId } : {}),
    displayName: view.displayName,
    ...(view.members !== null
      ? {
          members: view.members.map((member) => ({
            value: member.value,
            $ref: `${scimBaseUrl}/Users/${encodeURIComponent(member.value)}`,
            ...(member.display !== null ? { display: member.display } : {}),
            type: 'User',
          })),
        }
      : {}),
    meta: { resourceType: 'Group', created: view.created, lastModified: view.lastModified, location, version: versionOf(view.revision) },
  };
}

/** What a POST or PUT of a whole group asks for (RFC 7644 §3.3, §3.5.1). */
export interface ScimGroupInput {
  readonly displayName: string;
  readonly externalId: string | null;
  readonly members: readonly string[];
}

const invalid = (detail: string) => new ScimError(400, detail, 'invalidValue');

/** Attribute names are case-insensitive (RFC 7643 §2.1); core ones may carry the Group schema's URN. */
export function groupAttributeName(name: string): string {
  const lower = name.toLowerCase();
  const urn = `${CORE_GROUP_SCHEMA.toLowerCase()}:`;
  return lower.startsWith(urn) ? lower.slice(urn.length) : lower;
}

export function readScimGroup(body: unknown): ScimGroupInput {
  if (!isObject(body)) throw new ScimError(400, 'the body must be a Group resource (a JSON object)', 'invalidSyntax');
  const schemas = body.schemas;
  if (
    schemas !== undefined &&
    (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === CORE_GROUP_SCHEMA.toLowerCase()))
  ) {
    throw new ScimError(400, `schemas must contain ${CORE_GROUP_SCHEMA}`, 'invalidSyntax');
  }
  let displayName: unknown;
  let externalId: unknown = null;
  let members: unknown = [];
  for (const [key, value] of Object.entries(body)) {
    const name = groupAttributeName(key);
    if (name === 'displayname') displayName = value;
    else if (name === 'externalid') externalId = value;
    else if (name === 'members') members = value ?? [];
  }
  return { displayName: displayNameOf(displayName), externalId: externalIdOf(externalId), members: memberIdsOf(members) };
}

export function displayNameOf(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid('displayName is required and must be a non-empty string (RFC 7643 §4.2)');
  if (!isStorableText(value)) throw invalid('displayName may not contain U+0000 or an unpaired surrogate');
  return value;
}

export function externalIdOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw invalid('externalId must be a string');
  if (!isStorableText(value)) throw invalid('externalId may not contain U+0000 or an unpaired surrogate');
  return value;
}

/** Members as Entra ID and Okta send them: `[{"value": "<userId>"}]`, a single object also read as one. */
export function memberIdsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((member) => {
    if (!isObject(member) || typeof member.value !== 'string') throw invalid('each member must be an object with a string "value", the id of a User');
    const type = Object.entries(member).find(([key]) => key.toLowerCase() === 'type')?.[1];
    // Rule G1: members are users of the tenant; groups are not nested.
    if (typeof type === 'string' && type.toLowerCase() === 'group')
      throw invalid(`member "${member.value}" is a Group: groups cannot be members of groups here`);
    return member.value;
  });
}

/** A PUT's whole membership, as the one change the decider turns into its delta. */
export function replacingMembers(input: ScimGroupInput): MembershipChange[] {
  return [{ op: 'replace', userIds: input.members }];
}
