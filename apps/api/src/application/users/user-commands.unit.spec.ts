import { CommandMetadata, foldUser, UserEvent } from '@scim-ledger/domain';
import { userCreated } from '../../../../../libs/domain/src/testing/user-created';
import type { ReadYourWrites } from '../event-sourcing/read-your-writes';
import type { Licences } from '../provisioning/licences';
import type { PermanentDeletion } from '../provisioning/permanent-deletion';
import { UserCommands } from './user-commands';
import type { LoadedUser, UserStreams } from './user-streams';

const metadata: CommandMetadata = {
  tenantId: 't1',
  actor: { kind: 'admin-credential', id: 'c1' },
  requestId: 'r1',
  userAgent: null,
  clientAddress: null,
  now: '2026-01-01T00:00:00.000Z',
};

const createdIn = (tenantId: string): UserEvent => userCreated('u1', 'ada@example.com', { tenantId, displayName: 'Ada', provisionedBy: 'admin' });

/** UserCommands over a user's stream holding `past`, recording what it appends and deletes. */
function commandsOn(...past: UserEvent[]) {
  const loaded: LoadedUser = { userId: 'u1', state: foldUser(past), revision: past.length - 1, created: null, lastModified: null };
  const appended: UserEvent[][] = [];
  const deleted: string[] = [];
  const streams = {
    load: async () => loaded,
    decideAndAppend: async (_: string, decideOn: (loaded: LoadedUser) => Promise<readonly UserEvent[]>) => {
      const events = await decideOn(loaded);
      appended.push([...events]);
      return { loaded, events, appended: null };
    },
  } as unknown as UserStreams;
  const licences = { ensureFor: async () => undefined } as unknown as Licences;
  const deletion = { delete: async (userId: string) => (deleted.push(userId), true) } as unknown as PermanentDeletion;
  const commands = new UserCommands(streams, licences, { visible: async () => undefined } as unknown as ReadYourWrites, deletion);
  return { commands, appended, deleted };
}

/** Issue 16, item 1: the tenant's check is the commands', on the user's own stream, for every caller. */
describe("an administrator's command on a user (UserCommands)", () => {
  it('given a user of another tenant, when an administrator of t1 preserves it, then not found, and nothing is appended', async () => {
    const { commands, appended } = commandsOn(createdIn('t2'));
    await expect(commands.execute('u1', { type: 'PreserveUserByAdmin' }, metadata)).rejects.toMatchObject({
      reason: 'UserNotFound',
      message: 'user u1 not found',
    });
    expect(appended).toEqual([]);
  });

  it('given no user, when an administrator places it on legal hold, then not found', async () => {
    const { commands } = commandsOn();
    await expect(commands.execute('u1', { type: 'PlaceUserOnLegalHold' }, metadata)).rejects.toMatchObject({
      reason: 'UserNotFound',
      message: 'user u1 not found',
    });
  });

  it("given the tenant's own user, when preserved, then its events are appended", async () => {
    const { commands, appended } = commandsOn(createdIn('t1'));
    await commands.execute('u1', { type: 'PreserveUserByAdmin' }, metadata);
    expect(appended).toEqual([[{ type: 'UserPreserved', data: { by: 'admin', cause: 'preserved_by_admin' } }]]);
  });

  it('given a user of another tenant, when an administrator of t1 deletes it for good, then not found, and nothing is deleted', async () => {
    const { commands, deleted } = commandsOn(createdIn('t2'), { type: 'UserPreserved', data: { by: 'admin', cause: 'preserved_by_admin' } });
    await expect(commands.deletePermanently('u1', metadata)).rejects.toMatchObject({ reason: 'UserNotFound' });
    expect(deleted).toEqual([]);
  });

  it("given the tenant's own preserved user, when deleted for good, then the permanent deletion runs", async () => {
    const { commands, deleted } = commandsOn(createdIn('t1'), { type: 'UserPreserved', data: { by: 'admin', cause: 'preserved_by_admin' } });
    await commands.deletePermanently('u1', metadata);
    expect(deleted).toEqual(['u1']);
  });
});
