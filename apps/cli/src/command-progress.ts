import { Presets, SingleBar } from 'cli-progress';
/** How far a long command is: a rebuild's phase, a verify's projection, an export's or an import's events. */
export interface CommandProgress {
  readonly phase: string;
  readonly applied: number;
  /** About how many events there are in all; null when it cannot be known cheaply. */
  readonly total: number | null;
}

export interface ProgressDisplay {
  update(progress: CommandProgress): void;
  stop(): void;
}

/**
 * A long command's progress on stderr (`rebuild`, `verify`, `export`,
 * `import`): a redrawn bar (cli-progress) on a terminal, plain lines at most
 * once a second otherwise (a log file or a test). Rate and ETA are over the
 * whole run so far, so a slow batch does not make the ETA jump.
 */
export function commandProgressDisplay(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now, command = 'rebuild'): ProgressDisplay {
  const started = now();
  const figures = (progress: CommandProgress) => {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const rate = progress.applied / seconds;
    const left = progress.total === null ? null : Math.max(progress.total - progress.applied, 0);
    return {
      rate: Math.round(rate),
      eta: left === null ? '?' : left === 0 ? '0s' : rate > 0 ? formatSeconds(left / rate) : '?',
      percent: progress.total ? Math.floor((100 * progress.applied) / progress.total) : 100,
    };
  };

  if (stream.isTTY) {
    const bar = new SingleBar(
      {
        stream,
        format: `${command} {phase} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {etaText}`,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(progress) {
        const { rate, eta } = figures(progress);
        const total = progress.total ?? progress.applied;
        const payload = { phase: progress.phase, rate, etaText: eta };
        if (!started) {
          bar.start(total, progress.applied, payload);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(progress.applied, payload);
        }
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }

  let lastLine = 0;
  let lastPhase: string | null = null;
  let latest: CommandProgress | null = null;
  let written: CommandProgress | null = null;
  const write = (progress: CommandProgress) => {
    written = progress;
    const { rate, eta, percent } = figures(progress);
    const share = progress.total === null ? `${progress.applied} events` : `${progress.applied}/${progress.total} events (${percent}%)`;
    stream.write(`${command} ${progress.phase}: ${share}, ${rate} events/s, ETA ${eta}\n`);
    lastLine = now();
    lastPhase = progress.phase;
  };
  return {
    update(progress) {
      latest = progress;
      if (progress.phase !== lastPhase || now() - lastLine >= 1000) write(progress);
    },
    stop() {
      // The last figures always make a line, however fast the rebuild was.
      if (latest && latest !== written) write(latest);
      latest = null;
    },
  };
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
