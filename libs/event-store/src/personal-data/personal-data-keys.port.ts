/**
 * Crypto-shredding (README, "Personal data"): the personal fields of an event
 * are sealed with a key of their subject (a user, or a tenant for what no user
 * owns yet), kept beside the events but outside them. Forgetting the subject
 * deletes its key; its events stay, and their personal fields stay unreadable.
 */

/** A subject's key, or the fact that it was forgotten for good. */
export type SubjectKey = Buffer | 'forgotten';

export interface PersonalDataKeys {
  /**
   * The keys of these subjects. With `create`, a subject that has none gets a
   * new random one (a forgotten subject stays forgotten); without, a subject
   * that has none is absent from the answer.
   */
  keysFor(subjectIds: readonly string[], options: { create: boolean }): Promise<Map<string, SubjectKey>>;
  /** Deletes these subjects' keys for good; forgetting twice is harmless. */
  forget(subjectIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** AES-256-GCM keys. */
export const SUBJECT_KEY_BYTES = 32;
