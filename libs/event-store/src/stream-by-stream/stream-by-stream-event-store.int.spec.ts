import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../event-store.contract';
import { EventToAppend, StreamsPartlyAppendedError, StreamWrite } from '../event-store.port';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { InjectedAppendFailure, StreamByStreamEventStore } from './stream-by-stream-event-store';

const dir = mkdtempSync(join(tmpdir(), 'scim-ledger-es-stream-by-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The contract's non-atomic branch, which otherwise runs only against an EventStoreDB server.
describeEventStoreContract(
  'stream by stream over sqlite',
  async () => new StreamByStreamEventStore(SqliteEventStore.open({ file: join(dir, 'contract.sqlite') })),
);

describe('stream-by-stream store: faults on a chosen stream', () => {
  let store: StreamByStreamEventStore;
  let prefix: string;

  beforeAll(() => {
    store = new StreamByStreamEventStore(SqliteEventStore.open({ file: join(dir, 'faults.sqlite') }));
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(() => {
    prefix = `faults${randomUUID().replace(/-/g, '')}`;
    store.clearFaults();
  });

  const event = (type: string): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata: {} });
  const write = (name: string, type: string): StreamWrite => ({ streamId: `${prefix}-${name}`, events: [event(type)], expected: 'no_stream' });
  const typesIn = async (name: string) => (await store.readStream(`${prefix}-${name}`)).map((e) => e.type);
  const createWrites = () => [write('claim', 'Claimed'), write('seat', 'Seated'), write('user', 'Created')];

  it('given a fault on the user stream, when a create appends claim, seat and user, then the first two stay and the error names them', async () => {
    store.failStream((streamId) => streamId.endsWith('-user'));

    const attempt = store.appendToStreams(createWrites());

    await expect(attempt).rejects.toBeInstanceOf(StreamsPartlyAppendedError);
    await expect(attempt).rejects.toMatchObject({
      appended: [`${prefix}-claim`, `${prefix}-seat`],
      cause: { name: 'EventStoreUnavailableError', streamId: `${prefix}-user` },
    });
    expect(await typesIn('claim')).toEqual(['Claimed']);
    expect(await typesIn('seat')).toEqual(['Seated']);
    expect(await typesIn('user')).toEqual([]);
    expect(store.failedWrites.at(-1)?.streamId).toBe(`${prefix}-user`);
  });

  it('given the second stream append fails, when three streams are appended, then only the first stays', async () => {
    store.failNthAppend(2);

    const attempt = store.appendToStreams(createWrites());

    await expect(attempt).rejects.toMatchObject({ name: 'StreamsPartlyAppendedError', appended: [`${prefix}-claim`] });
    expect(await typesIn('claim')).toEqual(['Claimed']);
    expect(await typesIn('seat')).toEqual([]);
    expect(await typesIn('user')).toEqual([]);
  });

  it('given the first stream append fails, when three streams are appended, then nothing is appended and the failure itself is thrown', async () => {
    store.failNthAppend(1);

    const attempt = store.appendToStreams(createWrites());

    await expect(attempt).rejects.toBeInstanceOf(InjectedAppendFailure);
    expect([await typesIn('claim'), await typesIn('seat'), await typesIn('user')]).toEqual([[], [], []]);
  });

  it('given a fault that fails once, when the same writes are appended again, then the retry goes through', async () => {
    store.failStream((streamId) => streamId.endsWith('-claim'), 1);

    await expect(store.append(`${prefix}-claim`, [event('Claimed')], 'no_stream')).rejects.toBeInstanceOf(InjectedAppendFailure);
    const results = await store.appendToStreams(createWrites());

    expect(results.map((r) => r.nextExpectedRevision)).toEqual([0, 0, 0]);
    expect(await typesIn('claim')).toEqual(['Claimed']);
  });

  it('given a write held before its second stream, when another writer appends to that stream meanwhile, then the held one fails there with the first stream left appended', async () => {
    const held = store.holdNext(({ write }) => write.streamId === `${prefix}-seat`);
    const slow = store.appendToStreams(createWrites());
    expect(await held.reached).toMatchObject({ index: 1, of: 3 });
    expect(await typesIn('claim')).toEqual(['Claimed']);

    await store.append(`${prefix}-seat`, [event('SeatedFirst')], 'no_stream');
    held.release();

    await expect(slow).rejects.toMatchObject({
      name: 'StreamsPartlyAppendedError',
      appended: [`${prefix}-claim`],
      cause: { name: 'WrongExpectedRevisionError', streamId: `${prefix}-seat` },
    });
    expect(await typesIn('seat')).toEqual(['SeatedFirst']);
    expect(await typesIn('user')).toEqual([]);
  });

  it('given faults cleared, when appending to the stream that failed, then it appends', async () => {
    store.failStream((streamId) => streamId.endsWith('-user'));
    await expect(store.append(`${prefix}-user`, [event('Created')], 'no_stream')).rejects.toBeInstanceOf(InjectedAppendFailure);

    store.clearFaults();

    expect((await store.append(`${prefix}-user`, [event('Created')], 'no_stream')).nextExpectedRevision).toBe(0);
  });
});
