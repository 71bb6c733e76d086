import {
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  START,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { randomBytes } from 'node:crypto';
import { asEventStoreDbUnavailable } from '../eventstoredb/eventstoredb-event-store';
import { PersonalDataKeys, SUBJECT_KEY_BYTES, SubjectKey } from './personal-data-keys.port';

/** Key streams are named so the protected store can leave them out of $all. */
export const PERSONAL_DATA_KEY_STREAM_PREFIX = 'personal-data-key-';

const keyStream = (subjectId: string) => `${PERSONAL_DATA_KEY_STREAM_PREFIX}${subjectId}`;

/**
 * EventStoreDB has no table beside the events: each subject's key is the one
 * event of a stream of its own, and forgetting tombstones (hard-deletes) that
 * stream, which can then never be written again. The server drops the key's
 * bytes from its files at the next scavenge.
 */
export class EventStoreDbPersonalDataKeys implements PersonalDataKeys {
  private constructor(private readonly client: EventStoreDBClient) {}

  static connect(connectionString: string): EventStoreDbPersonalDataKeys {
    return new EventStoreDbPersonalDataKeys(EventStoreDBClient.connectionString(connectionString));
  }

  async keysFor(subjectIds: readonly string[], options: { create: boolean }): Promise<Map<string, SubjectKey>> {
    const found = new Map<string, SubjectKey>();
    await Promise.all(
      [...new Set(subjectIds)].map(async (id) => {
        let key = await this.read(id);
        if (key === null && options.create) key = await this.create(id);
        if (key !== null) found.set(id, key);
      }),
    );
    return found;
  }

  async forget(subjectIds: readonly string[]): Promise<void> {
    await Promise.all(
      [...new Set(subjectIds)].map(async (id) => {
        try {
          await this.client.tombstoneStream(keyStream(id));
        } catch (error) {
          if (error instanceof StreamDeletedError) return;
          throw asEventStoreDbUnavailable(error);
        }
      }),
    );
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  private async read(id: string): Promise<SubjectKey | null> {
    try {
      for await (const resolved of this.client.readStream(keyStream(id), { direction: FORWARDS, fromRevision: START, maxCount: 1 })) {
        const data = resolved.event?.data as { key?: string } | undefined;
        if (data?.key) return Buffer.from(data.key, 'base64');
      }
      return null;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      if (error instanceof StreamDeletedError) return 'forgotten';
      throw asEventStoreDbUnavailable(error);
    }
  }

  private async create(id: string): Promise<SubjectKey> {
    const key = randomBytes(SUBJECT_KEY_BYTES);
    try {
      await this.client.appendToStream(keyStream(id), jsonEvent({ type: 'PersonalDataKeyCreated', data: { key: key.toString('base64') } }), {
        expectedRevision: NO_STREAM,
      });
      return key;
    } catch (error) {
      // Somebody else created it (or forgot the subject) first: theirs counts.
      if (error instanceof WrongExpectedVersionError || error instanceof StreamDeletedError) {
        const theirs = await this.read(id);
        if (theirs !== null) return theirs;
      }
      throw asEventStoreDbUnavailable(error);
    }
  }
}
