import { commandProgressDisplay } from './command-progress';

describe('rebuild progress on a stream that is not a terminal', () => {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
  let clock = 0;

  beforeEach(() => {
    lines.length = 0;
    clock = 0;
  });

  it('given updates within a second, when shown, then one line per phase and a second, with events/s and ETA, and the last figures on stop', () => {
    const display = commandProgressDisplay(stream, () => clock);

    display.update({ phase: 'projecting', applied: 0, total: 4000 });
    clock = 500;
    display.update({ phase: 'projecting', applied: 500, total: 4000 });
    clock = 1000;
    display.update({ phase: 'projecting', applied: 1000, total: 4000 });
    clock = 2000;
    display.update({ phase: 'projecting', applied: 4000, total: 4000 });
    display.update({ phase: 'switching', applied: 4000, total: 4000 });
    display.update({ phase: 'finishing', applied: 4000, total: 4000 });
    display.stop();

    expect(lines).toEqual([
      'rebuild projecting: 0/4000 events (0%), 0 events/s, ETA ?\n',
      'rebuild projecting: 1000/4000 events (25%), 1000 events/s, ETA 3s\n',
      'rebuild projecting: 4000/4000 events (100%), 2000 events/s, ETA 0s\n',
      'rebuild switching: 4000/4000 events (100%), 2000 events/s, ETA 0s\n',
      'rebuild finishing: 4000/4000 events (100%), 2000 events/s, ETA 0s\n',
    ]);
  });

  it('given a store that cannot say how many events it holds, when shown, then counts and rate without an ETA', () => {
    const display = commandProgressDisplay(stream, () => clock);
    clock = 2000;
    display.update({ phase: 'projecting', applied: 300, total: null });
    display.stop();

    expect(lines).toEqual(['rebuild projecting: 300 events, 150 events/s, ETA ?\n']);
  });
});
