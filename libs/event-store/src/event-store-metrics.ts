import { registeredHistogram } from './registered-metrics';

/** From the caller's call to the backend's commit: sealing, queueing behind other groups and the commit itself. */
export const appendDuration = registeredHistogram({
  name: 'scim_ledger_event_store_append_duration_seconds',
  help: 'Time an append (one or several streams) took, sealing of personal data and waiting for its group commit included',
  labelNames: ['backend', 'outcome'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

/** How many appends (SQLite: pieces of work, personal-data keys included) one transaction committed. */
export const groupCommitSize = registeredHistogram({
  name: 'scim_ledger_event_store_group_commit_size',
  help: 'Appends committed together in one transaction (group commit)',
  labelNames: ['backend'],
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
});

/** Times `work` into appendDuration under the backend's name, failed appends apart. */
export async function timedAppend<T>(backend: string, work: () => Promise<T>): Promise<T> {
  const stop = appendDuration.startTimer({ backend });
  try {
    const result = await work();
    stop({ outcome: 'appended' });
    return result;
  } catch (error) {
    stop({ outcome: 'failed' });
    throw error;
  }
}
