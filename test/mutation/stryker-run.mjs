// What both mutation runs share (npm run test:mutation): StrykerJS's jest runner on one of the suites in this
// folder, per-test coverage so a mutant runs only the tests that reach it, reports under reports/mutation/.
export function mutationRun(name, { mutate, timeoutMS }) {
  return {
    testRunner: 'jest',
    jest: { projectType: 'custom', configFile: `test/mutation/jest.${name}.config.js`, enableFindRelatedTests: false },
    coverageAnalysis: 'perTest',
    mutate,
    reporters: ['clear-text', 'progress', 'html', 'json'],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    tempDirName: `.stryker-tmp/${name}`,
    concurrency: 2,
    timeoutMS,
    ignoreStatic: true,
    // A re-run after new tests re-tests only the mutants those tests reach: a whole handlers' run takes over an hour.
    incremental: true,
    incrementalFile: `reports/mutation/${name}-incremental.json`,
  };
}
