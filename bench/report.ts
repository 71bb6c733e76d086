/** The bench's record and the table made from it, shared by run.ts and combine-results.ts. */
import { PhaseResult } from './load';
import { GroupFigures } from './groups';
import { LongStreamFigures } from './long-stream';
import { NoisyNeighbourFigures } from './noisy-neighbour';
import { Rss } from './processes';
import { median, percentile, ratio, TableRow } from './stats';
import { BackendName, ProjectionLag } from './storage';

export interface Preset {
  readonly name: 'quick' | 'full';
  /** Each figure is the median over this many runs. */
  readonly repeats: number;
  /** Users in the read model at which filtered GETs are measured; the last also gets the rebuild and memory figures. */
  readonly levels: readonly number[];
  readonly seconds: number;
  readonly connections: number;
  readonly tenants: number;
  /** The long user's revision in bench/long-stream.ts. */
  readonly longStream: number;
  /** Users of the flooding tenant in bench/noisy-neighbour.ts. */
  readonly noisyUsers: number;
  /** Members of the large group in bench/groups.ts (issue 19: 100,000 at the full preset). */
  readonly groupMembers: number;
}

/** Everything one backend's run measured; medians are taken when the table is made. */
export interface BackendResult {
  backend: BackendName;
  creates: PhaseResult[];
  ceiling: { perSecond: number; count: number }[];
  lag: ProjectionLag[];
  patches: PhaseResult[];
  puts: PhaseResult[];
  mix: PhaseResult[];
  levels: { users: number; gets: PhaseResult[]; noops: PhaseResult[]; lists: PhaseResult[] }[];
  rebuilds: { events: number; seconds: number; perSecond: number }[];
  memory: { users: number; api: Rss; projector: Rss; projectorDuringRebuild: Rss } | null;
  /** bench/long-stream.ts; absent in records made before it. */
  longStreams?: LongStreamFigures | null;
  /** bench/noisy-neighbour.ts; absent in records made before it. */
  noisyNeighbour?: NoisyNeighbourFigures | null;
  /** bench/groups.ts; absent in records made before it. */
  groups?: GroupFigures | null;
}

const m = (results: readonly PhaseResult[], key: 'perSecond' | 'p50Ms' | 'p99Ms') => median(results.map((r) => r[key]));

export function tableRows(results: readonly BackendResult[], preset: Preset): TableRow[] {
  const row = (figure: string, unit: string, value: (r: BackendResult) => number | undefined, target?: TableRow['target']): TableRow => ({
    figure,
    unit,
    values: results.map(value),
    target: results[0]?.backend === 'sqlite' ? target : undefined,
  });
  const top = preset.levels[preset.levels.length - 1];
  const rows: TableRow[] = [
    row('SCIM creates', 'req/s', (r) => m(r.creates, 'perSecond'), { kind: 'min', value: 2000 }),
    row('  create p50', 'ms', (r) => m(r.creates, 'p50Ms')),
    row('  create p99', 'ms', (r) => m(r.creates, 'p99Ms')),
    row('storage ceiling (raw appends)', 'appends/s', (r) => median(r.ceiling.map((c) => c.perSecond))),
    row('creates / storage ceiling', 'ratio', (r) => ratio(m(r.creates, 'perSecond'), median(r.ceiling.map((c) => c.perSecond))), { kind: 'min', value: 0.4 }),
    row('projection lag under creates p50', 'events', (r) =>
      percentile(
        r.lag.map((l) => l.events),
        50,
      ),
    ),
    row('projection lag under creates p99', 'events', (r) =>
      percentile(
        r.lag.map((l) => l.events),
        99,
      ),
    ),
    row('  oldest unprojected event p99', 'ms', (r) =>
      percentile(
        r.lag.map((l) => l.ageMs),
        99,
      ),
    ),
    row('PATCH active', 'req/s', (r) => m(r.patches, 'perSecond')),
    row('  PATCH p50', 'ms', (r) => m(r.patches, 'p50Ms')),
    row('  PATCH p99', 'ms', (r) => m(r.patches, 'p99Ms')),
    row('PUT', 'req/s', (r) => m(r.puts, 'perSecond')),
    row('  PUT p99', 'ms', (r) => m(r.puts, 'p99Ms')),
    row('IdP mix (lookup, create, lookup, PATCH, PUT, list)', 'req/s', (r) => m(r.mix, 'perSecond')),
    row('  IdP mix p99', 'ms', (r) => m(r.mix, 'p99Ms')),
  ];
  rows.push(...longStreamRows(results, row));
  rows.push(...noisyNeighbourRows(results, row));
  rows.push(...groupRows(results, row));
  for (const [i, level] of preset.levels.entries()) {
    const at = (r: BackendResult) => r.levels[i];
    const isTop = level === top && level >= 1_000_000;
    const label = level >= 1_000_000 ? `${level / 1_000_000}M` : `${level / 1000}k`;
    rows.push(
      row(`users in the read model (${label} level)`, 'users', (r) => at(r)?.users),
      row(
        `filtered GETs at ${label} users`,
        'req/s',
        (r) => (at(r) ? m(at(r).gets, 'perSecond') : undefined),
        isTop ? { kind: 'min', value: 8000 } : undefined,
      ),
      row(`  filtered GET p50 at ${label}`, 'ms', (r) => (at(r) ? m(at(r).gets, 'p50Ms') : undefined)),
      row(`  filtered GET p99 at ${label}`, 'ms', (r) => (at(r) ? m(at(r).gets, 'p99Ms') : undefined), isTop ? { kind: 'max', value: 25 } : undefined),
      row(`  no-op route at ${label}`, 'req/s', (r) => (at(r) ? m(at(r).noops, 'perSecond') : undefined)),
      row(`  filtered GETs / no-op at ${label}`, 'ratio', (r) => (at(r) ? ratio(m(at(r).gets, 'perSecond'), m(at(r).noops, 'perSecond')) : undefined)),
      row(`  list pages (100) at ${label}`, 'req/s', (r) => (at(r) ? m(at(r).lists, 'perSecond') : undefined)),
      row(`  list page p99 at ${label}`, 'ms', (r) => (at(r) ? m(at(r).lists, 'p99Ms') : undefined)),
    );
  }
  const topLabel = top >= 1_000_000 ? `${top / 1_000_000}M` : `${top / 1000}k`;
  rows.push(
    row(
      `full rebuild (${topLabel} users' events)`,
      'events/s',
      (r) => median(r.rebuilds.map((b) => b.perSecond)),
      top >= 1_000_000 ? { kind: 'min', value: 50_000 } : undefined,
    ),
    row(`api RSS at ${topLabel} users`, 'MB', (r) => r.memory?.api.rssMb, top >= 1_000_000 ? { kind: 'max', value: 300 } : undefined),
    row(`  api peak RSS`, 'MB', (r) => r.memory?.api.peakMb),
    row(`projector RSS at ${topLabel} users`, 'MB', (r) => r.memory?.projector.rssMb),
    row(`  projector peak RSS (rebuild)`, 'MB', (r) => r.memory?.projectorDuringRebuild.peakMb),
  );
  return rows;
}

/** Issue 19, item 7: membership PATCHes and reads of one large group (bench/groups.ts). */
function groupRows(
  results: readonly BackendResult[],
  row: (figure: string, unit: string, value: (r: BackendResult) => number | undefined, target?: TableRow['target']) => TableRow,
): TableRow[] {
  const members = results.find((r) => r.groups)?.groups?.members;
  if (members === undefined) return [];
  const label = members >= 1000 ? `${members / 1000}k` : String(members);
  const g = (r: BackendResult) => r.groups ?? undefined;
  return [
    row(`group PATCHes of 1,000 members, up to ${label}`, 'req/s', (r) => g(r)?.batchPatches.perSecond),
    row('  group PATCH p50', 'ms', (r) => g(r)?.batchPatches.p50Ms),
    row('  group PATCH p99', 'ms', (r) => g(r)?.batchPatches.p99Ms),
    row('100 parallel single-member adds, one group', 'req/s', (r) => g(r)?.parallelAdds.perSecond),
    row('  parallel add p99', 'ms', (r) => g(r)?.parallelAdds.p99Ms),
    // No target: a lost add fails the run itself (bench/groups.ts), so the figure is always 0 when printed.
    row('  member adds lost', 'adds', (r) => g(r)?.parallelAdds.lost),
    row(`GET of a ${label}-member group p50`, 'ms', (r) => g(r)?.getWithMembers.p50Ms),
    row(`  with excludedAttributes=members p50`, 'ms', (r) => g(r)?.getWithoutMembers.p50Ms),
  ];
}

/** Issue 15, finding 3: another tenant's lookups while one tenant floods expensive filters (bench/noisy-neighbour.ts). */
function noisyNeighbourRows(
  results: readonly BackendResult[],
  row: (figure: string, unit: string, value: (r: BackendResult) => number | undefined, target?: TableRow['target']) => TableRow,
): TableRow[] {
  const figures = results.find((r) => r.noisyNeighbour)?.noisyNeighbour;
  if (!figures) return [];
  const users = figures.users >= 1000 ? `${figures.users / 1000}k` : `${figures.users}`;
  const f = (r: BackendResult) => r.noisyNeighbour ?? undefined;
  const share = (result: PhaseResult, codes: string[]) =>
    codes.reduce((sum, code) => sum + (result.statusCodes[code] ?? 0), 0) / Math.max(1, result.ok + result.non2xx);
  return [
    row(`noisy neighbour: ${figures.floodConnections} filters of 150 co terms in flight (${users} users)`, '', () => undefined),
    row(`  other tenant's userName eq p99`, 'ms', (r) => f(r)?.overBudget.quiet.p99Ms, { kind: 'max', value: 50 }),
    row(`  other tenant's userName eq p50`, 'ms', (r) => f(r)?.overBudget.quiet.p50Ms),
    row(`  flood answered 400`, 'ratio', (r) => (f(r) ? share(f(r)!.overBudget.flood, ['400']) : undefined)),
    row(`noisy neighbour: ${figures.floodConnections} filters of 10 co terms in flight (${users} users)`, '', () => undefined),
    row(`  other tenant's userName eq p99`, 'ms', (r) => f(r)?.withinBudget.quiet.p99Ms, { kind: 'max', value: 50 }),
    row(`  other tenant's userName eq p50`, 'ms', (r) => f(r)?.withinBudget.quiet.p50Ms),
    row(`  flood answered 2xx`, 'req/s', (r) => f(r)?.withinBudget.flood.perSecond),
    row(`  flood answered 429 or 503`, 'ratio', (r) => (f(r) ? share(f(r)!.withinBudget.flood, ['429', '503']) : undefined)),
  ];
}

/** Issue 15, finding 9: a PATCH's cost by its stream's length (bench/long-stream.ts). */
function longStreamRows(
  results: readonly BackendResult[],
  row: (figure: string, unit: string, value: (r: BackendResult) => number | undefined, target?: TableRow['target']) => TableRow,
): TableRow[] {
  const long = results.find((r) => r.longStreams)?.longStreams?.long;
  if (long === undefined) return [];
  const label = long >= 1000 ? `${long / 1000}k` : `${long}`;
  const f = (r: BackendResult) => r.longStreams ?? undefined;
  return [
    row('PATCH p50 of one user at revision 10', 'ms', (r) => f(r)?.withCache.shortP50Ms),
    row(`PATCH p50 of one user at revision ${label}`, 'ms', (r) => f(r)?.withCache.longP50Ms),
    row(`  p50 at ${label} / p50 at 10`, 'ratio', (r) => (f(r) ? ratio(f(r)!.withCache.longP50Ms, f(r)!.withCache.shortP50Ms) : undefined), {
      kind: 'max',
      value: 2,
    }),
    row('  without the fold cache: p50 at revision 10', 'ms', (r) => f(r)?.withoutCache.shortP50Ms),
    row(`  without the fold cache: p50 at revision ${label}`, 'ms', (r) => f(r)?.withoutCache.longP50Ms),
    row(`  without the fold cache: ${label} / 10`, 'ratio', (r) => (f(r) ? ratio(f(r)!.withoutCache.longP50Ms, f(r)!.withoutCache.shortP50Ms) : undefined)),
  ];
}
