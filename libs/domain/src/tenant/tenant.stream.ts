import { categoryStreamName, StreamModule } from '../stream-module';
import { decide, evolve, TenantCommand } from './tenant.decider';
import { isTenantEvent, TENANT_EVENT_SCHEMA_VERSIONS, TenantEvent, upcastTenantEvent } from './tenant.events';
import { initialTenantState, TenantState } from './tenant.state';
import { personalDataOfTenantEvent } from './tenant.personal-data';

/** One tenant, one stream: `tenant-<tenantId>`, every concern of the tenant in it. */
export const tenantStream: StreamModule<string, TenantCommand, TenantEvent, TenantState> = {
  name: categoryStreamName('tenant'),
  events: { schemaVersions: TENANT_EVENT_SCHEMA_VERSIONS, isEvent: isTenantEvent, upcast: upcastTenantEvent },
  personalData: personalDataOfTenantEvent,
  initialState: initialTenantState,
  evolve,
  decide,
};

export const tenantStreamId = (tenantId: string): string => tenantStream.name.streamId(tenantId);
/** The tenant a stream belongs to, or null for a stream of another kind. */
export const tenantIdOfStream = (streamId: string): string | null => tenantStream.name.parse(streamId);
