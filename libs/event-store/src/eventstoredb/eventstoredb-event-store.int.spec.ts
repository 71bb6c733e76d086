import { describeEventStoreContract } from '../event-store.contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

// Runs against a server given by EVENTSTORE_URL, e.g. esdb://localhost:2113?tls=false.
// The contract's stream ids are unique per test, so a server that already holds events is fine.
const connectionString = process.env.EVENTSTORE_URL;

if (connectionString) {
  describeEventStoreContract('eventstoredb', () => EventStoreDbEventStore.connect({ connectionString }));
} else {
  describe.skip('EventStore contract: eventstoredb (skipped: set EVENTSTORE_URL to an EventStoreDB server)', () => {
    it('needs an EventStoreDB server', () => undefined);
  });
}
