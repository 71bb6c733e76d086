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
}

export interface EventMetadata {
  readonly tenantId: string;
  readonly actor: Actor;
  readonly requestId: string;
  readonly userAgent: string | null;
  readonly clientAddress: string | null;
  readonly occurredAt: string;
  readonly schemaVersion: number;
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
  };
}

/** Whether a stored event is one of the types a schema-version table lists: each stream kind's `is…Event`. */
export function listedIn(schemaVersions: Readonly<Record<string, number>>, event: { type: string }): boolean {
  return Object.prototype.hasOwnProperty.call(schemaVersions, event.type);
}
