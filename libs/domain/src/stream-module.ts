/**
 * One shape for every stream kind (shared/STYLE.md point 16, after
 * equinox-js's Stream/Events/Fold/Decide): where its streams are named, which
 * events it holds and how old versions read, and its pure decider.
 */

/** What a stored event carries that upcasting may read. */
export interface StoredEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

/** A stream kind's name, spelled once: the stream of one entity, and the entity a stream id names. */
export interface StreamName<Id> {
  /** The prefix before the first `-`, e.g. `user` in `user-<id>`. */
  readonly category: string;
  readonly streamId: (id: Id) => string;
  /** The entity a stream id names, or null when the id is not of this kind. */
  readonly parse: (streamId: string) => Id | null;
}

/** `<category>-<id>`: the id is whatever follows the category and its dash. */
export function categoryStreamName(category: string): StreamName<string> {
  const prefix = `${category}-`;
  return {
    category,
    streamId: (id) => `${prefix}${id}`,
    parse: (streamId) => (streamId.startsWith(prefix) && streamId.length > prefix.length ? streamId.slice(prefix.length) : null),
  };
}

/** The events a stream kind holds, each type with its schema version (shared/STYLE.md point 4). */
export interface StreamEvents<E extends { readonly type: string }> {
  readonly schemaVersions: Readonly<Record<E['type'], number>>;
  readonly isEvent: (event: { type: string }) => event is E;
  /** The current shape of a stored event, whatever version wrote it: old versions are upcast on read, never rewritten. */
  readonly upcast: (stored: StoredEvent) => E;
}

/** A pure decider: no I/O, no clock; time and ids arrive in the command. */
export interface Decider<C, E, S> {
  readonly initialState: S;
  readonly evolve: (state: S, event: E) => S;
  /** `[]` when the command changes nothing (shared/STYLE.md point 3); a refusal is thrown, in the domain's words. */
  readonly decide: (command: C, state: S) => E[];
}

/** Whose personal data an event holds, and what each personal field reads as once that subject is forgotten (crypto-shredding). */
export interface PersonalFields {
  readonly subjectId: string;
  readonly placeholders: Readonly<Record<string, unknown>>;
}

export interface StreamModule<Id, C, E extends { readonly type: string }, S> extends Decider<C, E, S> {
  readonly name: StreamName<Id>;
  readonly events: StreamEvents<E>;
  /**
   * The personal fields of an event of this kind's stream of `id`, sealed by
   * the event store with the subject's key (README, "Personal data"); absent
   * for a kind whose events name no person.
   */
  readonly personalData?: (id: Id, event: { readonly type: string; readonly data: Record<string, unknown> }) => PersonalFields | null;
  /**
   * Many events folded onto a state at once, for a kind where that is cheaper
   * than evolving them one by one; the same state as `events.reduce(evolve, state)`,
   * and `state` never changed.
   */
  readonly fold?: (events: readonly E[], state: S) => S;
}

/** A module's fold: its own where it has one, else its events evolved one by one. */
export function foldOf<Id, C, E extends { readonly type: string }, S>(module: StreamModule<Id, C, E, S>): (events: readonly E[], state?: S) => S {
  const fold = module.fold ?? ((events: readonly E[], state: S) => events.reduce(module.evolve, state));
  return (events, state = module.initialState) => fold(events, state);
}

/** For a kind with no old versions yet: a stored event already has the current shape. */
export function storedAsIs<E>(stored: StoredEvent): E {
  return { type: stored.type, data: stored.data } as unknown as E;
}
