import { categoryStreamName, storedAsIs, StreamModule, StreamName } from '../stream-module';
import {
  decideProfileSeat,
  evolveProfileSeats,
  foldProfileSeats,
  isProfileSeatEvent,
  noSeatsTaken,
  PROFILE_SEAT_EVENT_SCHEMA_VERSIONS,
  ProfileSeatCommand,
  ProfileSeatEvent,
  ProfileSeats,
} from './profile-seats';

export interface ProfileOfTenant {
  readonly tenantId: string;
  readonly profileId: string;
}

const seatsCategory = categoryStreamName('profile-seats');

/** Tenant and profile ids never contain `/` (admin API ids are [a-z0-9-]). */
const profileSeatsName: StreamName<ProfileOfTenant> = {
  category: seatsCategory.category,
  streamId: ({ tenantId, profileId }) => seatsCategory.streamId(`${tenantId}/${profileId}`),
  parse: (streamId) => {
    const rest = seatsCategory.parse(streamId);
    const slash = rest === null ? -1 : rest.indexOf('/');
    if (rest === null || slash <= 0 || slash === rest.length - 1) return null;
    return { tenantId: rest.slice(0, slash), profileId: rest.slice(slash + 1) };
  },
};

/** A profile's seats (rule M5) are one stream, `profile-seats-<tenantId>/<profileId>`. */
export const profileSeatsStream: StreamModule<ProfileOfTenant, ProfileSeatCommand, ProfileSeatEvent, ProfileSeats> = {
  name: profileSeatsName,
  events: { schemaVersions: PROFILE_SEAT_EVENT_SCHEMA_VERSIONS, isEvent: isProfileSeatEvent, upcast: storedAsIs },
  initialState: noSeatsTaken,
  evolve: evolveProfileSeats,
  fold: foldProfileSeats,
  decide: decideProfileSeat,
};

export const profileSeatsStreamId = (tenantId: string, profileId: string): string => profileSeatsName.streamId({ tenantId, profileId });
