import { categoryStreamName, StreamModule } from '../stream-module';
import { decide, evolve, initialUserState, UserCommand, UserState } from './user.decider';
import { isUserEvent, upcastUserEvent, USER_EVENT_SCHEMA_VERSIONS, UserEvent } from './user.events';
import { personalDataOfUserEvent } from './user.personal-data';

/** A user is one stream, `user-<userId>`. */
export const userStream: StreamModule<string, UserCommand, UserEvent, UserState> = {
  name: categoryStreamName('user'),
  events: { schemaVersions: USER_EVENT_SCHEMA_VERSIONS, isEvent: isUserEvent, upcast: upcastUserEvent },
  personalData: personalDataOfUserEvent,
  initialState: initialUserState,
  evolve,
  decide,
};

export const userStreamId = (userId: string): string => userStream.name.streamId(userId);
/** The user a stream belongs to, or null for a stream of another kind. */
export const userIdOfStream = (streamId: string): string | null => userStream.name.parse(streamId);
