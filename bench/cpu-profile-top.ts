/**
 * npx tsx bench/cpu-profile-top.ts <file.cpuprofile> [rows] [window]
 *
 * window is "fromMs-toMs" counted back from the end of the profile (e.g.
 * "8000-2000": the 6 s that ended 2 s before the process exited), to leave
 * start-up and shutdown out.
 * The top frames of a `node --cpu-prof` profile by self time, and by total
 * time for our own code (clinic is not available offline). The bench writes
 * profiles to bench/results/profiles/ when run with --cpu-prof.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArg, windowArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx bench/cpu-profile-top.ts <file.cpuprofile> [rows]\n');
  process.exit(2);
}
const rows = Number(rowsArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const [fromMs, toMs] = (windowArg ?? `${Number.MAX_SAFE_INTEGER}-0`).split('-').map(Number);
const selfUs = new Map<number, number>();
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i] ?? 0;
  const beforeEndMs = (profile.endTime - at) / 1000;
  if (beforeEndMs > fromMs || beforeEndMs < toMs) return;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const name = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, 'nm:')
    .replace(/.*\/dist\//, '');
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
};

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  self.set(name(node), (self.get(name(node)) ?? 0) + us);
  // Count each frame once per sample even under recursion.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const key = name(byId.get(at)!);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}

const print = (title: string, entries: [string, number][]) => {
  process.stdout.write(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)\n`);
  for (const [key, us] of entries.slice(0, rows)) {
    process.stdout.write(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}\n`);
  }
};
const byPackage = new Map<string, number>();
for (const [key, us] of self) {
  const where = key.split(' ').slice(1).join(' ');
  const pkg = where.startsWith('nm:')
    ? where
        .slice(3)
        .split('/')
        .slice(0, where.startsWith('nm:@') ? 2 : 1)
        .join('/')
    : /^(apps|libs)\//.test(where)
      ? where.split('/').slice(0, 2).join('/')
      : where.startsWith('node:')
        ? 'node internals'
        : key;
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}
print('self time by package', [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15));
print(
  'self time',
  [...self].sort((a, b) => b[1] - a[1]),
);
print(
  'total time, our code',
  [...inclusive].filter(([key]) => /(apps|libs)\//.test(key) && !key.includes('nm:')).sort((a, b) => b[1] - a[1]),
);
