/**
 * A reproducible source of randomness for the tests that draw at random (the
 * kill -9 run): the seed is printed, and FAULT_SEED=<seed> replays the same
 * draws. mulberry32: small, fast, and good enough to pick writes and moments.
 */
export function seededRandom(name: string, seed = Number(process.env.FAULT_SEED ?? Date.now() % 2 ** 32)): { readonly seed: number; next(): number } {
  let state = seed >>> 0;
  // Printed at once, so a failure's output always carries it.
  process.stdout.write(`${name}: FAULT_SEED=${seed}\n`);
  return {
    seed,
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
