import { randomUUID } from 'node:crypto';
import { EventStore, EventToAppend, RecordedEvent } from '../event-store.port';
import { PERSONAL_DATA_KEY_STREAM_PREFIX } from './eventstoredb-personal-data-keys';
import { PersonalDataKeys } from './personal-data-keys.port';
import { PersonalDataPolicy, PersonalDataProtectingEventStore } from './personal-data-protection';

/** A policy of its own, so this library's tests need no domain: `person-<id>` streams carry a name and an email. */
const policy: PersonalDataPolicy = (streamId, event) => {
  const person = /^(contract\w+)-person-(.+)$/.exec(streamId);
  if (!person || event.type !== 'PersonNamed') return null;
  return { subjectId: subjectOf(person[1], person[2]), placeholders: { name: '(shredded)', email: null } };
};
const subjectOf = (prefix: string, id: string) => `person:${prefix}-${id}`;

/**
 * Crypto-shredding over every backend: the store holds no personal value in
 * clear, the application reads them in clear, and forgetting a subject makes
 * them unreadable for good (README, "Personal data").
 */
export function describePersonalDataProtectionContract(
  backend: string,
  open: () => Promise<{ store: EventStore; keys: PersonalDataKeys; secondKeys: () => Promise<PersonalDataKeys> }>,
): void {
  describe(`personal data protection: ${backend}`, () => {
    let raw: EventStore;
    let keys: PersonalDataKeys;
    let openSecondKeys: () => Promise<PersonalDataKeys>;
    let protectedStore: PersonalDataProtectingEventStore;
    let prefix: string;

    beforeAll(async () => {
      ({ store: raw, keys, secondKeys: openSecondKeys } = await open());
      protectedStore = new PersonalDataProtectingEventStore(raw, keys, policy);
    });
    afterAll(async () => {
      await protectedStore?.close();
    });
    beforeEach(() => {
      prefix = `contract${randomUUID().replace(/-/g, '')}`;
    });

    const person = (id: string) => `${prefix}-person-${id}`;
    const named = (name: string, email: string | null): EventToAppend => ({
      id: randomUUID(),
      type: 'PersonNamed',
      data: { name, email, team: 'blue' },
      metadata: { requestId: randomUUID() },
    });
    const streamOf = (events: readonly RecordedEvent[], streamId: string) => events.filter((e) => e.streamId === streamId);

    it('given a person named through the protected store, then the backend holds neither the name nor the email in clear, and the application reads both', async () => {
      const before = await raw.append(`${prefix}-marker`, [{ id: randomUUID(), type: 'Marker', data: {}, metadata: {} }], 'no_stream');
      await protectedStore.append(person('ada'), [named('Ada Lovelace', 'ada@example.com')], 'no_stream');

      const stored = await raw.readStream(person('ada'));
      expect(JSON.stringify(stored[0].data)).not.toMatch(/Ada|ada@example/);
      expect(stored[0].data).toMatchObject({ name: '(shredded)', email: null, team: 'blue' });

      const expected = { name: 'Ada Lovelace', email: 'ada@example.com', team: 'blue' };
      expect((await protectedStore.readStream(person('ada')))[0].data).toEqual(expected);
      expect((await protectedStore.readLastEvent(person('ada')))?.data).toEqual(expected);
      const all = await protectedStore.readAll({ after: before.position, maxCount: 100 });
      expect(streamOf(all, person('ada'))[0].data).toEqual(expected);
    });

    it('given two people, when one is forgotten, then only that one reads as shredded, in every read, and the other is untouched', async () => {
      const before = await raw.append(`${prefix}-marker`, [{ id: randomUUID(), type: 'Marker', data: {}, metadata: {} }], 'no_stream');
      await protectedStore.append(person('ada'), [named('Ada Lovelace', 'ada@example.com'), named('Ada King', 'king@example.com')], 'no_stream');
      await protectedStore.append(person('alan'), [named('Alan Turing', 'alan@example.com')], 'no_stream');

      await protectedStore.forget([subjectOf(prefix, 'ada')]);

      const shredded = { name: '(shredded)', email: null, team: 'blue' };
      const ada = await protectedStore.readStream(person('ada'));
      expect(ada.map((e) => e.data)).toEqual([shredded, shredded]);
      expect(ada.map((e) => e.metadata.personalData)).toEqual(['shredded', 'shredded']);
      expect((await protectedStore.readStream(person('alan')))[0].data).toEqual({ name: 'Alan Turing', email: 'alan@example.com', team: 'blue' });

      // Another process, with a cold cache, sees the same.
      const secondKeys = await openSecondKeys();
      const elsewhere = new PersonalDataProtectingEventStore(raw, secondKeys, policy);
      const all = await elsewhere.readAll({ after: before.position, maxCount: 100 }).finally(() => secondKeys.close());
      expect(streamOf(all, person('ada')).map((e) => e.data)).toEqual([shredded, shredded]);
      expect(streamOf(all, person('alan'))[0].data.name).toBe('Alan Turing');
    });

    it('given a person another process has read, when this one forgets them, then a read there for a person to see is shredded at once (found by the fourth attack on issue 15)', async () => {
      await protectedStore.append(person('ada'), [named('Ada Lovelace', 'ada@example.com')], 'no_stream');
      const secondKeys = await openSecondKeys();
      const elsewhere = new PersonalDataProtectingEventStore(raw, secondKeys, policy);
      try {
        // The other process keeps Ada's key in its cache from this read.
        expect((await elsewhere.readStream(person('ada')))[0].data.name).toBe('Ada Lovelace');

        await protectedStore.forget([subjectOf(prefix, 'ada')]);

        const shown = await elsewhere.readStream(person('ada'), { freshPersonalDataKeys: true });
        expect(shown.map((e) => [e.data, e.metadata.personalData])).toEqual([[{ name: '(shredded)', email: null, team: 'blue' }, 'shredded']]);
        // Once seen forgotten there, every later read there is shredded too.
        expect((await elsewhere.readStream(person('ada')))[0].data.name).toBe('(shredded)');
      } finally {
        await secondKeys.close();
      }
    });

    it('given a forgotten person, when another event about them is appended, then it is shredded from the start', async () => {
      await protectedStore.append(person('ada'), [named('Ada Lovelace', 'ada@example.com')], 'no_stream');
      await protectedStore.forget([subjectOf(prefix, 'ada')]);

      await protectedStore.append(person('ada'), [named('Ada Byron', 'byron@example.com')], 0);

      const events = await protectedStore.readStream(person('ada'));
      expect(events[1].data).toEqual({ name: '(shredded)', email: null, team: 'blue' });
      expect(JSON.stringify((await raw.readStream(person('ada')))[1].data)).not.toMatch(/Byron|byron@/);
    });

    it('given a page of nothing but key streams, when reading all, then the reader is not told it has caught up', async () => {
      const before = await raw.append(`${prefix}-marker`, [{ id: randomUUID(), type: 'Marker', data: {}, metadata: {} }], 'no_stream');
      await raw.append(
        `${PERSONAL_DATA_KEY_STREAM_PREFIX}${prefix}`,
        [{ id: randomUUID(), type: 'PersonalDataKeyCreated', data: { key: 'x' }, metadata: {} }],
        'no_stream',
      );
      await protectedStore.append(person('ada'), [named('Ada Lovelace', 'ada@example.com')], 'no_stream');

      const page = await protectedStore.readAll({ after: before.position, maxCount: 1 });

      expect(page.map((e) => e.streamId)).toEqual([person('ada')]);
    });

    it('given several streams written in one commit, then the personal fields are sealed there too, and read back in clear', async () => {
      const marker: EventToAppend = { id: randomUUID(), type: 'Marker', data: {}, metadata: {} };
      await protectedStore.appendToStreams([
        { streamId: `${prefix}-claim`, events: [marker], expected: 'no_stream' },
        { streamId: person('ada'), events: [named('Ada Lovelace', 'ada@example.com')], expected: 'no_stream' },
      ]);
      expect(JSON.stringify((await raw.readStream(person('ada')))[0].data)).not.toMatch(/Ada|ada@example/);
      expect((await protectedStore.readStream(person('ada')))[0].data.name).toBe('Ada Lovelace');
    });

    it('given events with no personal fields, then they are stored and read unchanged', async () => {
      const other: EventToAppend = { id: randomUUID(), type: 'TeamRenamed', data: { team: 'green' }, metadata: {} };
      await protectedStore.append(person('ada'), [other], 'no_stream');
      expect((await raw.readStream(person('ada')))[0].data).toEqual({ team: 'green' });
      expect((await protectedStore.readStream(person('ada')))[0].data).toEqual({ team: 'green' });
    });

    it('given a subscription from before a person was named and forgotten, then it delivers the event shredded', async () => {
      const before = await raw.append(`${prefix}-marker`, [{ id: randomUUID(), type: 'Marker', data: {}, metadata: {} }], 'no_stream');
      await protectedStore.append(person('ada'), [named('Ada Lovelace', 'ada@example.com')], 'no_stream');
      await protectedStore.append(person('alan'), [named('Alan Turing', 'alan@example.com')], 'no_stream');
      await protectedStore.forget([subjectOf(prefix, 'ada')]);

      const controller = new AbortController();
      const seen: RecordedEvent[] = [];
      for await (const event of protectedStore.subscribeToAll({ after: before.position, signal: controller.signal })) {
        if (event.streamId.startsWith(prefix)) seen.push(event);
        // Abort first: a break alone leaves the store's pending read waiting for the next append.
        if (event.streamId === person('alan')) controller.abort();
      }
      expect(seen.map((e) => [e.streamId, e.data.name])).toEqual([
        [person('ada'), '(shredded)'],
        [person('alan'), 'Alan Turing'],
      ]);
    });

    it('given two processes creating the same subject key at once, then both seal with the one key that was kept', async () => {
      const other = await openSecondKeys();
      try {
        const subject = `person:${randomUUID()}`;
        const [mine, theirs] = await Promise.all([keys.keysFor([subject], { create: true }), other.keysFor([subject], { create: true })]);
        expect(Buffer.isBuffer(mine.get(subject))).toBe(true);
        expect(mine.get(subject)).toEqual(theirs.get(subject));
        expect((await keys.keysFor([subject], { create: false })).get(subject)).toEqual(mine.get(subject));
      } finally {
        await other.close();
      }
    });

    it('given a forgotten subject, then asking for its key, even with create, says forgotten', async () => {
      const subject = `person:${randomUUID()}`;
      await keys.keysFor([subject], { create: true });
      await keys.forget([subject]);
      await keys.forget([subject]);
      expect((await keys.keysFor([subject], { create: true })).get(subject)).toBe('forgotten');
      expect((await keys.keysFor([`person:${randomUUID()}`], { create: false })).size).toBe(0);
    });
  });
}
