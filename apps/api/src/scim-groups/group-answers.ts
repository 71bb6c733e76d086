import { Injectable } from '@nestjs/common';
import { CommandMetadata } from '@scim-ledger/domain';
import { AttributeParameters, ScimError, ScimGroupView, versionOf } from '@scim-ledger/scim';
import { ExpectedRevision } from '@scim-ledger/event-store';
import { GroupWriteGuard, WrittenGroup } from '../application/groups/group-writes';
import { ScimGroupsReadModel } from '../application/reading/scim-groups.read-model';

/**
 * SCIM's guard on a write to a group: Entra ID and Okta never send If-Match,
 * so a write that loses a race decides again on the fresh group (a PATCH's
 * deltas are re-applied: nothing is lost); with If-Match a stale version gets
 * 412 instead (RFC 7644 §3.14).
 */
export function ifMatchGuard(ifMatch: string | undefined): GroupWriteGuard {
  return {
    admit: (revision: ExpectedRevision) => {
      if (ifMatch !== undefined && !etagMatches(ifMatch, revision as number)) throw staleVersion();
    },
    retry: () => {
      if (ifMatch !== undefined) throw staleVersion();
      return true;
    },
  };
}

const staleVersion = () => new ScimError(412, 'the group changed since the version in If-Match');

/** If-Match may list several tags or `*` (RFC 7232 §3.1). */
function etagMatches(header: string, revision: number): boolean {
  const wanted = versionOf(revision);
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === wanted || t === wanted.slice(2);
  });
}

/**
 * Whether an answer shows members (RFC 7644 §3.9): not when excluded, nor when
 * `attributes` names others only. Entra ID reads with excludedAttributes=members,
 * and then no membership row is read.
 */
export function membersShown(shown: AttributeParameters): boolean {
  const names = (list: string) =>
    list.split(',').map((name) =>
      name
        .trim()
        .toLowerCase()
        .replace(/^urn:ietf:params:scim:schemas:core:2\.0:group:/, ''),
    );
  if (shown.attributes !== undefined) return names(shown.attributes).some((name) => name === 'members' || name.startsWith('members.'));
  if (shown.excludedAttributes !== undefined) return !names(shown.excludedAttributes).includes('members');
  return true;
}

/** A group as a write left it, its members' display names read from the users (one query per thousand). */
@Injectable()
export class GroupAnswers {
  constructor(private readonly groups: ScimGroupsReadModel) {}

  async viewOf(written: WrittenGroup, metadata: CommandMetadata, withMembers: boolean): Promise<ScimGroupView> {
    const { state } = written;
    if (state.status !== 'Active') throw new Error('a written group that is not active has no view');
    const ids = [...state.members].sort();
    const names = withMembers ? await this.groups.displayNames(metadata.tenantId, ids) : new Map<string, string>();
    return {
      id: state.groupId,
      displayName: state.displayName,
      externalId: state.externalId,
      // A member deleted for good since it was added has no row, so no membership row either (rule L10): not shown, as a GET would not.
      members: withMembers ? ids.filter((value) => names.has(value)).map((value) => ({ value, display: names.get(value) ?? null })) : null,
      created: written.created,
      lastModified: written.lastModified,
      revision: written.revision,
    };
  }
}
