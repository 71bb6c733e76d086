import { statementSizes } from './bulk-rows';

describe('statementSizes', () => {
  it('given any batch up to 5,000 rows, when split, then the sizes add up and come from a dozen powers of two', () => {
    const seen = new Set<number>();
    for (let count = 0; count <= 5000; count++) {
      const sizes = statementSizes(count, 1666);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(count);
      for (const size of sizes) seen.add(size);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
  });

  it('given a batch that fits one statement, when it is a power of two, then it is one statement', () => {
    expect(statementSizes(512, 1666)).toEqual([512]);
    expect(statementSizes(300, 1666)).toEqual([256, 32, 8, 4]);
    expect(statementSizes(3, 1)).toEqual([1, 1, 1]);
  });
});
