import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredEvent } from '../stream-module';
import { foldUser, type UserState } from './user.decider';
import { upcastUserEvent } from './user.events';
import { userHistory } from './user-history';

/*
 * Issue 18, item 2: events written before a change of their shape still fold
 * to the same state. The fixture is a stream as the code wrote it before
 * issue 18; the expected states were printed by that code (76a1139), not
 * written by hand, and the fixture is never rewritten.
 */
const fixtures = join(__dirname, 'fixtures');
const stream = JSON.parse(readFileSync(join(fixtures, 'user-stream-before-issue-18.json'), 'utf8')) as {
  events: StoredEvent[];
  placedUser: { events: StoredEvent[] };
};
const foldedBefore = JSON.parse(readFileSync(join(fixtures, 'user-stream-before-issue-18.folded.json'), 'utf8')) as Record<'first' | 'placed', UserState>;

/** The state before, with what this version keeps and that version did not: no kept attributes, and not knowing whether its display name was derived. */
const withNoKeptAttributes = (state: UserState) =>
  'profile' in state ? { ...state, profile: { ...state.profile, attributes: {} }, displayNameDerived: null } : state;

describe('a user stream written before issue 18 (UserCreated v1 and v2)', () => {
  it.each([
    ['first', stream.events],
    ['placed', stream.placedUser.events],
  ] as const)('given the %s user of the fixture, when folded by this version, then the state the code before folded it to', (user, events) => {
    expect(foldUser(events.map(upcastUserEvent))).toEqual(withNoKeptAttributes(foldedBefore[user]));
  });

  it('given the fixture, when its history is read, then each change is a diff of what changed and no kept attribute appears from nowhere', () => {
    const { entries } = userHistory(stream.events.map((event, revision) => ({ ...event, revision })));
    expect(entries.map((entry) => entry.summary.replace(/ by .*/, ''))).toEqual([
      'Created as ada@acme.test',
      'Changed displayName to "Ada King", familyName to "King"',
      'Changed userName to "ada.king@acme.test", email to "ada.king@acme.test"',
      'Changed externalId to "entra-object-2"',
      'Changed userPrincipalName to "ada@corp.acme"',
      'Preserved: deactivated',
      'Placed on legal hold',
      'Reactivated',
      'Preserved',
    ]);
    expect(entries[1].changes).toEqual([
      { attribute: 'displayName', from: 'Ada Lovelace', to: 'Ada King' },
      { attribute: 'familyName', from: 'Lovelace', to: 'King' },
    ]);
  });
});
