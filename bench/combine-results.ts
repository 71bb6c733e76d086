/**
 * npx tsx bench/combine-results.ts <a.json> <b.json> … > bench/results/latest.json
 *
 * Runs of one backend each (`--backends sqlite`, then `--backends postgres`)
 * into one record, with the table of all backends side by side on stderr.
 */
import { readFileSync } from 'node:fs';
import { BackendResult, Preset, tableRows } from './report';
import { formatTable } from './stats';

interface RunRecord {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly preset: Preset;
  readonly machine: Record<string, unknown>;
  readonly runs: BackendResult[];
}

const records = process.argv.slice(2).map((file) => JSON.parse(readFileSync(file, 'utf8')) as RunRecord);
if (records.length === 0) {
  process.stderr.write('usage: tsx bench/combine-results.ts <run.json>…\n');
  process.exit(2);
}
const runs = records.flatMap((record) => record.runs);
const preset = records[0].preset;
const rows = tableRows(runs, preset);
process.stderr.write(
  `${formatTable(
    runs.map((r) => r.backend),
    rows,
  )}\n`,
);
process.stdout.write(
  `${JSON.stringify(
    {
      combinedFrom: records.map((r) => ({ startedAt: r.startedAt, finishedAt: r.finishedAt, backends: r.runs.map((b) => b.backend), machine: r.machine })),
      preset,
      table: rows,
      runs,
    },
    null,
    1,
  )}\n`,
);
