import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { builtEntry, ROOT } from './processes';

const run = promisify(execFile);

/**
 * The support CLI as a real process (the built one: see builtEntry), with these settings on top of the test's
 * environment; never throws on a non-zero exit.
 */
export async function runCli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = await builtEntry('cli');
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
