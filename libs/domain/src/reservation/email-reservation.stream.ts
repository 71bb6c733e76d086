import { categoryStreamName, storedAsIs, StreamModule } from '../stream-module';
import {
  addressDigest,
  decideEmailReservation,
  EMAIL_RESERVATION_EVENT_SCHEMA_VERSIONS,
  EmailReservationCommand,
  EmailReservationEvent,
  EmailReservationState,
  evolveEmailReservation,
  initialEmailReservation,
  isEmailReservationEvent,
} from './email-reservation';

/**
 * An address's claim (rules L8, L9) is one stream, `email-<digest>`: the
 * digest is the SHA-256 of the address key, so a claim stream holds no
 * personal data.
 */
export const emailReservationStream: StreamModule<string, EmailReservationCommand, EmailReservationEvent, EmailReservationState> = {
  name: categoryStreamName('email'),
  events: { schemaVersions: EMAIL_RESERVATION_EVENT_SCHEMA_VERSIONS, isEvent: isEmailReservationEvent, upcast: storedAsIs },
  initialState: initialEmailReservation,
  evolve: evolveEmailReservation,
  decide: decideEmailReservation,
};

/** `addressDigest` is the SHA-256 of the address: a claim stream holds no personal data. */
export const emailReservationStreamId = (addressDigest: string): string => emailReservationStream.name.streamId(addressDigest);

/** The claim stream of an address key (emailKey). */
export const addressClaimStreamId = (key: string): string => emailReservationStreamId(addressDigest(key));
