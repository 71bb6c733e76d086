import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
export const API_MAIN = join(ROOT, 'dist/apps/api/src/main.js');
export const PROJECTOR_MAIN = join(ROOT, 'dist/apps/projector/src/main.js');

/** Every process the bench started, so an interrupted run still stops them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A free ephemeral port on 127.0.0.1: other engineers' servers share this machine. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface Rss {
  /** Resident set size now, in MB. */
  readonly rssMb: number;
  /** The highest resident set size the process has had (VmHWM), in MB. */
  readonly peakMb: number;
}

export class NodeProcess {
  private output = '';
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    running.add(child);
    const keep = (chunk: Buffer) => {
      // The tail is enough to explain a failure.
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        running.delete(child);
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get log(): string {
    return this.output;
  }

  /** Resolves once the output contains `text`; fails if the process exits or `timeoutMs` passes first. */
  async waitForOutput(text: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (!this.output.includes(text)) {
      if (exited) throw new Error(`${this.name} exited before it was ready:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  rss(): Rss {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  }

  /** Freezes the process (SIGSTOP), so it takes no CPU while the storage ceiling is measured. */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface StartOptions {
  readonly env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
}

function start(name: string, main: string, options: StartOptions): NodeProcess {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), main], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new NodeProcess(name, child);
}

/** The real api (dist/apps/api/src/main.js) on 127.0.0.1 and a free port. */
export async function startApi(options: StartOptions): Promise<{ process: NodeProcess; baseUrl: string }> {
  const port = await freePort();
  const api = start('api', API_MAIN, { ...options, env: { ...options.env, HOST: '127.0.0.1', PORT: String(port) } });
  await api.waitForOutput('scim-ledger is serving', 120_000);
  return { process: api, baseUrl: `http://127.0.0.1:${port}` };
}

/** apps/projector as its own process (PROJECTOR=external on the api). */
export function startProjector(options: StartOptions): NodeProcess {
  return start('projector', PROJECTOR_MAIN, options);
}
