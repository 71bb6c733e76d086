import { ExpensiveReads, ExpensiveReadsRefused } from './expensive-reads';

/** A read that runs until released, recording when it started. */
function heldRead(started: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { read: async () => (started.push(name), await done, name), release };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ExpensiveReads', () => {
  it('given a tenant at its limit with a full queue, when it reads once more, then it is refused at once naming the limits', async () => {
    const reads = new ExpensiveReads({ expensiveReads: { perTenant: 1, queuePerTenant: 1, total: 4 } });
    const started: string[] = [];
    const first = heldRead(started, 'a1');
    const second = heldRead(started, 'a2');
    const running = reads.run('a', first.read);
    const waiting = reads.run('a', second.read);
    await expect(reads.run('a', async () => 'a3')).rejects.toThrow(ExpensiveReadsRefused);
    await expect(reads.run('a', async () => 'a3')).rejects.toThrow(/at most 1 run at a time and 1 wait/);
    await settle();
    expect(started).toEqual(['a1']);
    first.release();
    expect(await running).toBe('a1');
    await settle();
    expect(started).toEqual(['a1', 'a2']);
    second.release();
    expect(await waiting).toBe('a2');
  });

  it('given one tenant with a long queue, when a place frees, then another waiting tenant goes next (round robin)', async () => {
    const reads = new ExpensiveReads({ expensiveReads: { perTenant: 2, queuePerTenant: 10, total: 1 } });
    const started: string[] = [];
    const held = ['a1', 'a2', 'a3', 'b1', 'a4', 'c1'].map((name) => ({ name, ...heldRead(started, name) }));
    const results = held.map((h) => reads.run(h.name[0], h.read));
    for (const h of held) {
      await settle();
      h.release();
    }
    await Promise.all(results);
    expect(started).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'a4']);
  });

  it('given a tenant at its own limit, when other tenants read, then they run beside it up to the total', async () => {
    const reads = new ExpensiveReads({ expensiveReads: { perTenant: 1, queuePerTenant: 5, total: 2 } });
    const started: string[] = [];
    const a1 = heldRead(started, 'a1');
    const a2 = heldRead(started, 'a2');
    const b1 = heldRead(started, 'b1');
    const results = [reads.run('a', a1.read), reads.run('a', a2.read), reads.run('b', b1.read)];
    await settle();
    expect(started).toEqual(['a1', 'b1']);
    for (const h of [a1, b1, a2]) h.release();
    expect(await Promise.all(results)).toEqual(['a1', 'a2', 'b1']);
  });

  it('given a read that fails, when it ends, then its place is freed for the next', async () => {
    const reads = new ExpensiveReads({ expensiveReads: { perTenant: 1, queuePerTenant: 0, total: 1 } });
    await expect(reads.run('a', async () => Promise.reject(new Error('database gone')))).rejects.toThrow('database gone');
    expect(await reads.run('a', async () => 'served')).toBe('served');
  });

  it('given perTenant 0, when any number of reads run, then none is held', async () => {
    const reads = new ExpensiveReads({ expensiveReads: { perTenant: 0, queuePerTenant: 0, total: 1 } });
    const started: string[] = [];
    const held = [heldRead(started, 'a1'), heldRead(started, 'a2')];
    const results = held.map((h) => reads.run('a', h.read));
    await settle();
    expect(started).toEqual(['a1', 'a2']);
    for (const h of held) h.release();
    await Promise.all(results);
  });
});
