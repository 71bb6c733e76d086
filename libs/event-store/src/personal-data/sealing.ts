import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The sealed form of an event's personal fields. The event id is the
 * additional authenticated data, so a sealed value cannot be moved to another
 * event and opened there.
 */
export interface SealedPersonalData {
  readonly alg: 'A256GCM';
  readonly subject: string;
  readonly iv: string;
  readonly tag: string;
  readonly sealed: string;
}

export function seal(subject: string, key: Buffer, eventId: string, fields: Record<string, unknown>): SealedPersonalData {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(eventId));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(fields), 'utf8'), cipher.final()]);
  return { alg: 'A256GCM', subject, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), sealed: sealed.toString('base64') };
}

/** The fields sealed with `key`; throws when the key or the event id does not match. */
export function open(envelope: SealedPersonalData, key: Buffer, eventId: string): Record<string, unknown> {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(Buffer.from(eventId));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(envelope.sealed, 'base64')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
}

export function isSealedPersonalData(value: unknown): value is SealedPersonalData {
  const v = value as Partial<SealedPersonalData> | null;
  return typeof v === 'object' && v !== null && v.alg === 'A256GCM' && typeof v.subject === 'string' && typeof v.sealed === 'string';
}
