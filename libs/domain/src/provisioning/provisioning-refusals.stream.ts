import { categoryStreamName, storedAsIs, StreamModule } from '../stream-module';
import {
  decideProvisioningRefusal,
  isProvisioningRefusal,
  PROVISIONING_REFUSAL_EVENT_SCHEMA_VERSIONS,
  ProvisioningRefusalCommand,
  ProvisioningRefusalsState,
  ProvisioningRefused,
} from './provisioning-refusal';
import { personalDataOfRefusal } from './provisioning-refusal.personal-data';

/** A tenant's refused provisioning attempts (rule S2) are one stream, `provisioning-refusals-<tenantId>`. */
export const provisioningRefusalsStream: StreamModule<string, ProvisioningRefusalCommand, ProvisioningRefused, ProvisioningRefusalsState> = {
  name: categoryStreamName('provisioning-refusals'),
  events: { schemaVersions: PROVISIONING_REFUSAL_EVENT_SCHEMA_VERSIONS, isEvent: isProvisioningRefusal, upcast: storedAsIs },
  personalData: personalDataOfRefusal,
  initialState: null,
  evolve: (state) => state,
  decide: decideProvisioningRefusal,
};

export const provisioningRefusalsStreamId = (tenantId: string): string => provisioningRefusalsStream.name.streamId(tenantId);
