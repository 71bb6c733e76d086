// npm run test:mutation (2 of 2): every mutant of the command handlers and provisioning services against the
// e2e specs of the rules (test/mutation/jest.handlers.config.js), on the embedded SQLite.
export default {
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'test/mutation/jest.handlers.config.js', enableFindRelatedTests: false },
  coverageAnalysis: 'perTest',
  mutate: ['apps/api/src/scim-users/**/*.command.ts', 'apps/api/src/scim-users/existing-user-write.ts', 'apps/api/src/provisioning/**/*.ts'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/handlers.html' },
  jsonReporter: { fileName: 'reports/mutation/handlers.json' },
  tempDirName: '.stryker-tmp/handlers',
  concurrency: 2,
  timeoutMS: 60000,
  ignoreStatic: true,
};
