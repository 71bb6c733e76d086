import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';

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

/** The built apps' entry points. */
const ENTRIES = { api: 'dist/apps/api/src/main.js', projector: 'dist/apps/projector/src/main.js', cli: 'dist/apps/cli/src/main.js' } as const;

/**
 * Compiles the apps into dist/ (`npm run build`): the api needs tsc's
 * decorator metadata for Nest's injection, which tsx (esbuild) does not emit.
 * Each suite that runs the apps as processes calls it, but one build per
 * change of the sources is enough (a build takes tens of seconds on two
 * cores): dist/ keeps the fingerprint of the sources it was built from, and a
 * lock keeps two suites of one run from writing dist/ at once.
 */
export async function buildApps(): Promise<void> {
  await holdingBuildLock(async () => {
    const fingerprint = sourcesFingerprint();
    const stamp = join(ROOT, 'dist', '.built-from');
    const built = existsSync(stamp) && readFileSync(stamp, 'utf8') === fingerprint && Object.values(ENTRIES).every((entry) => existsSync(join(ROOT, entry)));
    if (built) return;
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
    writeFileSync(stamp, fingerprint);
  });
}

let builtOnce: Promise<void> | null = null;

/**
 * The path of a built app's entry point, built first if need be (once per
 * test file). Suites run the CLI and the projector from dist/ rather than
 * through tsx: a process starts in about half the time, and the CLI runs
 * dozens of times. A suite calls it in a hook with TIMEOUTS.build, where the
 * build (or waiting for another suite's) is paid.
 */
export async function builtEntry(app: keyof typeof ENTRIES): Promise<string> {
  await (builtOnce ??= buildApps());
  return join(ROOT, ENTRIES[app]);
}

/** What the build reads: every file under apps/ and libs/ and the build's settings, by path, size and modification time. */
function sourcesFingerprint(): string {
  const hash = createHash('sha256');
  const add = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path).sort()) add(join(path, name));
    else hash.update(`${relative(ROOT, path)} ${stat.size} ${stat.mtimeMs}\n`);
  };
  for (const path of ['apps', 'libs', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) add(join(ROOT, path));
  return hash.digest('hex');
}

/** Runs `work` while holding dist/.build-lock (a directory: mkdir is atomic); a lock older than the longest build is a crashed run's, and taken over. */
async function holdingBuildLock(work: () => Promise<void>): Promise<void> {
  const lock = join(ROOT, 'dist', '.build-lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const since = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (since > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

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
