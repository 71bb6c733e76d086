import { firstCharacters } from './text/stored-text';

/**
 * Who changed what, from where, and when (rule S1). Time and ids arrive with
 * the command, so deciders stay pure and a replay is deterministic.
 */
export interface Actor {
  readonly kind: 'scim-token' | 'admin-credential' | 'operator' | 'system';
  /** The credential's id (never the secret itself). */
  readonly id: string;
}

export interface CommandMetadata {
  readonly tenantId: string;
  readonly actor: Actor;
  readonly requestId: string;
  /** The IdP's user agent, e.g. "Microsoft.Identity.Provisioning"... */
  readonly userAgent: string | null;
  readonly clientAddress: string | null;
  /** ISO 8601 UTC instant at which the command was accepted. */
  readonly now: string;
  /**
   * Rule A4: what the request sent that is not kept on the user (attributes no
   * schema defines, the Druva extension's mapping-only ones, a password), by
   * name; every event and refusal of the request carries it.
   */
  readonly ignoredAttributes?: readonly string[];
}

export interface EventMetadata {
  readonly tenantId: string;
  readonly actor: Actor;
  readonly requestId: string;
  readonly userAgent: string | null;
  readonly clientAddress: string | null;
  readonly occurredAt: string;
  readonly schemaVersion: number;
  /** Only when the request sent any (rule A4): see CommandMetadata. */
  readonly ignoredAttributes?: readonly string[];
}

export function eventMetadata(command: CommandMetadata, schemaVersion: number): EventMetadata {
  return {
    tenantId: command.tenantId,
    actor: command.actor,
    requestId: command.requestId,
    userAgent: command.userAgent,
    clientAddress: command.clientAddress,
    occurredAt: command.now,
    schemaVersion,
    ...(command.ignoredAttributes && command.ignoredAttributes.length > 0 ? { ignoredAttributes: boundedNames(command.ignoredAttributes) } : {}),
  };
}

/** Bounds on what a request's ignored names add to each of its events, whatever it sent. */
export const MAX_IGNORED_ATTRIBUTE_NAMES = 20;
const MAX_IGNORED_ATTRIBUTE_NAME = 200;

/** At most MAX_IGNORED_ATTRIBUTE_NAMES names, once each, each cut to 200 characters, and how many more there were. */
export function boundedNames(names: readonly string[]): string[] {
  const cut = (name: string) => (name.length > MAX_IGNORED_ATTRIBUTE_NAME ? `${firstCharacters(name, MAX_IGNORED_ATTRIBUTE_NAME - 1)}…` : name);
  const shown = [...new Set(names)].map(cut);
  return shown.length <= MAX_IGNORED_ATTRIBUTE_NAMES
    ? shown
    : [...shown.slice(0, MAX_IGNORED_ATTRIBUTE_NAMES), `…and ${shown.length - MAX_IGNORED_ATTRIBUTE_NAMES} more`];
}

/** Whether a stored event is one of the types a schema-version table lists: each stream kind's `is…Event`. */
export function listedIn(schemaVersions: Readonly<Record<string, number>>, event: { type: string }): boolean {
  return Object.prototype.hasOwnProperty.call(schemaVersions, event.type);
}
