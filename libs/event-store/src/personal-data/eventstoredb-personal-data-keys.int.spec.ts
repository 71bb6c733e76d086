import { EventStoreDbEventStore } from '../eventstoredb/eventstoredb-event-store';
import { EventStoreDbPersonalDataKeys } from './eventstoredb-personal-data-keys';
import { describePersonalDataProtectionContract } from './personal-data-protection.contract';

// Runs against a server given by EVENTSTORE_URL, as the event store contract does.
const connectionString = process.env.EVENTSTORE_URL;

if (connectionString) {
  describePersonalDataProtectionContract('eventstoredb', async () => ({
    store: await EventStoreDbEventStore.connect({ connectionString }),
    keys: EventStoreDbPersonalDataKeys.connect(connectionString),
    secondKeys: async () => EventStoreDbPersonalDataKeys.connect(connectionString),
  }));
} else {
  describe.skip('personal data protection: eventstoredb (skipped: set EVENTSTORE_URL to an EventStoreDB server)', () => {
    it('needs an EventStoreDB server', () => undefined);
  });
}
