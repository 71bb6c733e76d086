/**
 * The one way the suites wait for what happens after an answer (a projection,
 * a recorded refusal, a process coming up): poll, and at the deadline fail
 * naming what was awaited. A wait never returns silently at its deadline, so a
 * check after it cannot pass on a state that never came.
 */
export async function until(condition: () => Promise<boolean>, timeoutMs: number, what: WaitedFor, intervalMs = 20): Promise<void> {
  await eventually(
    () => condition().catch(() => false),
    (held) => held,
    timeoutMs,
    what,
    intervalMs,
  );
}

/** What a wait is for; a function is read at the deadline, so it can name what happened meanwhile (a process's output). */
type WaitedFor = string | (() => string);

/** Reads until `done` holds for what was read, and returns that; fails at the deadline with the last value read. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: WaitedFor, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}; last read: ${describe(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function describe(value: unknown): string {
  const body = (value as { status?: number; body?: unknown })?.body;
  const text = JSON.stringify(body !== undefined ? { status: (value as { status?: number }).status, body } : value) ?? String(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
