import { ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** A port nobody listens on right now, on 127.0.0.1 only (others run servers on this machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Compiles the apps into dist/ (`npm run build`): the api needs tsc's
 * decorator metadata for Nest's injection, which tsx (esbuild) does not emit.
 */
export async function buildApps(): Promise<void> {
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
}

const ENTRIES = { api: 'dist/apps/api/src/main.js', projector: 'dist/apps/projector/src/main.js', cli: 'dist/apps/cli/src/main.js' } as const;

/** One of the built apps as a real process, so SIGKILL hits the app itself, not a wrapper. */
export class AppProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  output = '';

  constructor(
    private readonly app: keyof typeof ENTRIES,
    private readonly env: Record<string, string>,
    private readonly args: string[] = [],
    /** Sees every chunk of output, where `output` keeps only the last 20,000 characters. */
    private readonly onOutput: (chunk: string) => void = () => undefined,
  ) {}

  start(): this {
    const child = spawn(process.execPath, [join(ROOT, ENTRIES[this.app]), ...this.args], {
      cwd: ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
      this.onOutput(chunk.toString());
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.child = child;
    return this;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) this.child?.kill(signal);
    await this.exited;
    this.child = null;
  }

  /** Runs to the end (the CLI): its exit code and output. */
  async run(): Promise<{ code: number | null; output: string }> {
    this.start();
    const child = this.child!;
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (c) => resolve(c))));
    return { code, output: this.output };
  }
}

export { until } from './polling';
