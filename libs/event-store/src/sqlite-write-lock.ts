import { Mutex } from 'async-mutex';
import { resolve } from 'node:path';

const locks = new Map<string, Mutex>();

/**
 * One writer at a time per SQLite file within this process. The event store
 * and the read model hold separate connections to the same file; without this
 * lock an append would block the event loop on SQLITE_BUSY while the
 * projector's open transaction waits for that same loop to commit.
 */
export function sqliteWriteLock(file: string): Mutex {
  const key = file === ':memory:' ? file : resolve(file);
  let lock = locks.get(key);
  if (!lock) {
    lock = new Mutex();
    locks.set(key, lock);
  }
  return lock;
}
