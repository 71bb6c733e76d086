import { rssFloors, slope } from './soak';

/** The soak's verdict on memory: rising troughs of the RSS saw-tooth are a leak, the saw-tooth itself is not. */
describe('soak memory trend', () => {
  const sawTooth = (troughRisePerMin: number) =>
    Array.from({ length: 60 }, (_, i) => {
      const atS = (i + 1) * 10;
      // 100 s cycles: the heap grows 60 MB, then a major GC drops it back to the trough.
      return { atS, rssMb: 140 + ((atS % 100) / 100) * 60 + (troughRisePerMin * atS) / 60 };
    });

  it('given a saw-tooth whose troughs stay level, then the slope of the troughs is about zero', () => {
    expect(Math.abs(slope(rssFloors(sawTooth(0), 120).slice(2)))).toBeLessThan(1);
  });

  it("given troughs rising 5 MB a minute, then the slope is well over the full soak's bound of 2 MB a minute", () => {
    const trend = slope(rssFloors(sawTooth(5), 120).slice(2));
    expect(trend).toBeGreaterThan(3);
    expect(trend).toBeLessThan(6);
  });

  it('given a straight line, then the least-squares slope is its gradient', () => {
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2);
    expect(slope([[0, 1]])).toBe(0);
  });
});
