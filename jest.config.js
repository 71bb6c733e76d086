// Three projects, chosen by file suffix (shared/STYLE.md point 12):
// unit needs nothing, int needs a database, e2e boots the whole app.
// tsconfig's isolatedModules makes ts-jest transpile each file on its own (no type check:
// `npm run typecheck` does that),
// which keeps the suites fast; decorator metadata comes from tsconfig.json.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }];
const moduleNameMapper = {
  '^@scim-ledger/(domain|event-store|read-model|scim|platform)$': '<rootDir>/libs/$1/src',
};
const base = { rootDir: __dirname, transform: { '^.+\\.ts$': tsJest }, moduleNameMapper, testEnvironment: 'node' };
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test}/**/*.unit.spec.ts'] },
    { ...base, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/{apps,libs,test}/**/*.e2e.spec.ts'] },
  ],
};
