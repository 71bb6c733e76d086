/**
 * What share of a fuzzer's cases reached each depth of the code (parsed,
 * applied, changed state, answered 409...). A fuzzer whose cases all die at
 * the first check passes while testing nothing (issue 17, item 3), so each
 * prints its shares on one line and fails when one is under its minimum.
 */
export class FuzzShares {
  private cases = 0;
  private readonly counts = new Map<string, number>();

  /** `minCases`: how many cases make the shares more than noise (a short FUZZ_RUNS gives fewer). */
  constructor(
    private readonly fuzzer: string,
    private readonly minCases = MIN_CASES_FOR_MINIMUMS,
  ) {}

  /** One case, with every label it reached ("parse", "value path"...). */
  count(...labels: ReadonlyArray<string | false | null | undefined>): void {
    this.cases++;
    for (const label of labels) if (label) this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }

  share(label: string): number {
    return this.cases === 0 ? 0 : (this.counts.get(label) ?? 0) / this.cases;
  }

  /**
   * Prints `fuzzer: N cases, 62 % parse, ...` (the labels of `minimums` first, then the rest) and returns
   * the labels under their minimum share, e.g. `["parse 41 % < 50 %"]`: expect it to equal [].
   * Under `minCases` cases (a short FUZZ_RUNS) the shares are noise, so nothing is checked.
   */
  report(minimums: Readonly<Record<string, number>>): string[] {
    const labels = [...Object.keys(minimums), ...[...this.counts.keys()].filter((label) => !(label in minimums)).sort()];
    const shares = labels.map((label) => `${percent(this.share(label))} ${label}`);
    const checked = this.cases >= this.minCases;
    process.stdout.write(`${this.fuzzer}: ${this.cases} cases, ${shares.join(', ')}${checked ? '' : ' (too few cases to check the minimums)'}\n`);
    if (!checked) return [];
    return Object.entries(minimums)
      .filter(([label, minimum]) => this.share(label) < minimum)
      .map(([label, minimum]) => `${label} ${percent(this.share(label))} < ${percent(minimum)}`);
  }
}

export const MIN_CASES_FOR_MINIMUMS = 100;

const percent = (share: number) => `${Math.round(100 * share)} %`;
