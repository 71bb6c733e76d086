import { formatFigure, formatTable, median, percentile, ratio, verdict } from './stats';

describe('bench arithmetic', () => {
  it('given an odd number of runs, when the median is taken, then it is the middle run', () => {
    expect(median([3, 1, 2])).toBe(2);
  });

  it('given an even number of runs, when the median is taken, then it is the mean of the two middle runs', () => {
    expect(median([10, 4, 2, 8])).toBe(6);
  });

  it('given no runs, or only failed ones, when the median is taken, then it is NaN', () => {
    expect(median([])).toBeNaN();
    expect(median([Number.NaN])).toBeNaN();
  });

  it('given 100 samples 1..100, when p50 and p99 are taken, then they are the nearest ranks', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('given a zero or missing denominator, when a ratio is taken, then it is NaN', () => {
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(1, Number.NaN)).toBeNaN();
    expect(ratio(1, 4)).toBe(0.25);
  });

  it('given targets, when figures are checked, then at-least and at-most targets are told apart', () => {
    expect(verdict(2000, { kind: 'min', value: 2000 })).toBe('met');
    expect(verdict(1999, { kind: 'min', value: 2000 })).toBe('missed');
    expect(verdict(24.9, { kind: 'max', value: 25 })).toBe('met');
    expect(verdict(25, { kind: 'max', value: 25 })).toBe('met');
    expect(verdict(26, { kind: 'max', value: 25 })).toBe('missed');
    expect(verdict(undefined, { kind: 'max', value: 25 })).toBe('');
  });

  it('given figures of both backends, when the table is formatted, then columns line up and missing figures show a dash', () => {
    const table = formatTable(
      ['sqlite', 'postgres'],
      [
        { figure: 'creates', unit: 'req/s', values: [2345.6, undefined], target: { kind: 'min', value: 2000 } },
        { figure: 'create / ceiling', unit: 'ratio', values: [0.4567, 0.3] },
      ],
    );
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^figure\s+unit\s+sqlite\s+postgres\s+target$/);
    expect(lines[2]).toMatch(/^creates\s+req\/s\s+2,346\s+–\s+≥ 2,000\s+met$/);
    expect(lines[3]).toMatch(/0\.46\s+0\.3$/);
    expect(lines[2].indexOf('2,346') + '2,346'.length).toBe(lines[0].indexOf('sqlite') + 'sqlite'.length);
    expect(formatFigure(12.345)).toBe('12.3');
  });
});
