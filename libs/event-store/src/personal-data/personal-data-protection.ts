import { LRUCache } from 'lru-cache';
import { randomBytes } from 'node:crypto';
import {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamWrite,
  SubscribeOptions,
} from '../event-store.port';
import { readyBatches } from '../ready-batches';
import { PERSONAL_DATA_KEY_STREAM_PREFIX } from './eventstoredb-personal-data-keys';
import { PersonalDataKeys, SUBJECT_KEY_BYTES, SubjectKey } from './personal-data-keys.port';
import { isSealedPersonalData, open, seal, SealedPersonalData } from './sealing';
import { timedAppend } from '../event-store-metrics';

/** Which fields of an event are personal, whose they are, and what stays in their place. */
export interface PersonalFields {
  /** Forgetting this subject shreds the fields. */
  readonly subjectId: string;
  /** Each personal field's name, with the value the event keeps in clear instead. */
  readonly placeholders: Readonly<Record<string, unknown>>;
}

/** Decided by the domain, which knows its events' shapes; null: nothing personal. */
export type PersonalDataPolicy = (streamId: string, event: { readonly type: string; readonly data: Record<string, unknown> }) => PersonalFields | null;

/** The data field that holds the sealed values. */
const SEALED_FIELD = 'personalData';

/** What a read event's metadata says when its personal fields could not be opened. */
export type PersonalDataReadOutcome = 'shredded';

/**
 * The event store as the application sees it: personal fields are sealed on
 * append and opened on read, so deciders, projections, the CLI and exports
 * work with clear values, while the stored events hold only placeholders and
 * ciphertext. Once a subject is forgotten its events read with the
 * placeholders and `metadata.personalData = 'shredded'`.
 */
export class PersonalDataProtectingEventStore implements EventStore {
  readonly backend;
  readonly atomicMultiStreamAppend: boolean;
  /** Keys are read far more often than written; forgotten subjects are cached too. */
  private readonly cache = new LRUCache<string, SubjectKey>({ max: 50_000, ttl: 10 * 60_000 });

  constructor(
    private readonly inner: EventStore,
    private readonly keys: PersonalDataKeys,
    private readonly policy: PersonalDataPolicy,
  ) {
    this.backend = inner.backend;
    this.atomicMultiStreamAppend = inner.atomicMultiStreamAppend;
    // Optional on the port: offered only where the backend has it (a rebuild's ETA).
    if (inner.approximateEventCount) this.approximateEventCount = () => inner.approximateEventCount!();
  }

  /** Every process appends through here, whatever the backend: the one place append latency is measured. */
  async append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    return timedAppend(this.backend, async () => this.inner.append(streamId, await this.sealAll(streamId, events), expected));
  }

  /** One commit for several streams stays one commit: each stream's events are sealed first. */
  async appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    return timedAppend(this.backend, async () =>
      this.inner.appendToStreams(await Promise.all(writes.map(async (write) => ({ ...write, events: await this.sealAll(write.streamId, write.events) })))),
    );
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.revealAll(await this.inner.readStream(streamId, options), options?.freshPersonalDataKeys === true);
  }

  async readLastEvent(streamId: string): Promise<RecordedEvent | null> {
    const event = await this.inner.readLastEvent(streamId);
    return event ? (await this.revealAll([event]))[0] : null;
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    // Key streams (EventStoreDB) are left out; a page of nothing but keys must not read as "caught up".
    for (let after = options.after; ;) {
      const page = await this.inner.readAll({ ...options, after });
      const revealed = await this.revealAll(page);
      if (revealed.length > 0 || page.length === 0) return revealed;
      after = page[page.length - 1].position;
    }
  }

  approximateEventCount?: () => Promise<number>;

  /** Opens what is ready in one go, so a catch-up reads keys a page at a time, not an event at a time. */
  async *subscribeToAll(options: SubscribeOptions): AsyncGenerator<RecordedEvent> {
    for await (const batch of readyBatches(this.inner.subscribeToAll(options), 1000)) {
      for (const event of await this.revealAll(batch)) yield event;
    }
  }

  /** Shreds every personal field of these subjects, in every event, for good. */
  async forget(subjectIds: readonly string[]): Promise<void> {
    await this.keys.forget(subjectIds);
    for (const id of subjectIds) this.cache.set(id, 'forgotten');
  }

  async close(): Promise<void> {
    await Promise.all([this.inner.close(), this.keys.close()]);
  }

  private async sealAll(streamId: string, events: readonly EventToAppend[]): Promise<EventToAppend[]> {
    const personal = events.map((event) => {
      const fields = this.policy(streamId, event);
      return fields && Object.keys(fields.placeholders).some((name) => name in event.data) ? fields : null;
    });
    const subjects = personal.filter((p): p is PersonalFields => p !== null).map((p) => p.subjectId);
    if (subjects.length === 0) return [...events];
    const keys = await this.keysOf(subjects, true);
    return events.map((event, i) => {
      const fields = personal[i];
      if (!fields) return event;
      const clear: Record<string, unknown> = {};
      const stored: Record<string, unknown> = { ...event.data };
      for (const [name, placeholder] of Object.entries(fields.placeholders)) {
        if (!(name in event.data)) continue;
        clear[name] = event.data[name];
        stored[name] = placeholder;
      }
      const key = keys.get(fields.subjectId);
      // A forgotten subject's new events are sealed with a key nobody keeps: shredded from the start.
      stored[SEALED_FIELD] = seal(fields.subjectId, key instanceof Buffer ? key : throwawayKey(), event.id, clear);
      return { ...event, data: stored };
    });
  }

  private async revealAll(events: readonly RecordedEvent[], freshKeys = false): Promise<RecordedEvent[]> {
    const visible = events.filter((event) => !event.streamId.startsWith(PERSONAL_DATA_KEY_STREAM_PREFIX));
    const sealed = visible.map((event) => (isSealedPersonalData(event.data[SEALED_FIELD]) ? event.data[SEALED_FIELD] : null));
    const subjects = sealed.filter((s): s is SealedPersonalData => s !== null).map((s) => s.subject);
    if (subjects.length === 0) return visible;
    const keys = await this.keysOf(subjects, false, freshKeys);
    return visible.map((event, i) => {
      const envelope = sealed[i];
      if (!envelope) return event;
      const { [SEALED_FIELD]: _sealed, ...placeholders } = event.data;
      const key = keys.get(envelope.subject);
      const clear = key instanceof Buffer ? openOrNull(envelope, key, event.id) : null;
      if (clear) return { ...event, data: { ...placeholders, ...clear } };
      return { ...event, data: placeholders, metadata: { ...event.metadata, personalData: 'shredded' satisfies PersonalDataReadOutcome } };
    });
  }

  /** `fresh`: past the cache, for keys another process may have forgotten since this one cached them. */
  private async keysOf(subjectIds: readonly string[], create: boolean, fresh = false): Promise<Map<string, SubjectKey>> {
    const found = new Map<string, SubjectKey>();
    const missing: string[] = [];
    for (const id of new Set(subjectIds)) {
      const cached = this.cache.get(id);
      // A forgotten subject stays forgotten: only a cached key can be out of date.
      if (cached === undefined || (fresh && cached !== 'forgotten')) missing.push(id);
      else found.set(id, cached);
    }
    if (missing.length === 0) return found;
    const loaded = await this.keys.keysFor(missing, { create });
    for (const id of missing) {
      // Without create, no key means none was ever kept for these events: they read as shredded.
      const key = loaded.get(id) ?? 'forgotten';
      found.set(id, key);
      if (loaded.has(id)) this.cache.set(id, key);
      // Forgotten elsewhere since this process cached its key: every later read here is shredded too.
      else if (this.cache.has(id)) this.cache.set(id, 'forgotten');
    }
    return found;
  }
}

function throwawayKey(): Buffer {
  return randomBytes(SUBJECT_KEY_BYTES);
}

function openOrNull(envelope: SealedPersonalData, key: Buffer, eventId: string): Record<string, unknown> | null {
  try {
    return open(envelope, key, eventId);
  } catch {
    return null;
  }
}

/** What the application needs to shred: the protected store, seen through this narrower port. */
export interface PersonalDataShredder {
  forget(subjectIds: readonly string[]): Promise<void>;
}

export const PERSONAL_DATA_SHREDDER = Symbol('PERSONAL_DATA_SHREDDER');
