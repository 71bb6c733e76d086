// Three projects, chosen by file suffix (shared/STYLE.md point 12):
// unit needs nothing, int needs a database, e2e boots the whole app.
// tsconfig's isolatedModules makes ts-jest transpile each file on its own (no type check:
// `npm run typecheck` does that),
// which keeps the suites fast; decorator metadata comes from tsconfig.json.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }];
const moduleNameMapper = {
  '^@scim-ledger/(domain|event-store|read-model|scim|platform)$': '<rootDir>/libs/$1/src',
};
// content-disposition (via @fastify/static, which serves the admin API's Swagger UI)
// ships only ES modules, which Node's require() loads but Jest does not: compile it to CommonJS.
const esmOnly = ['content-disposition'];
const esmToCommonJs = ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } }];
const base = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': tsJest, [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: esmToCommonJs },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper,
  testEnvironment: 'node',
};
module.exports = {
  // Jest's default on this 2-core machine is one worker (cores - 1), and the suites mostly wait: on child
  // processes, databases, the projector. Two workers: npm test 330 s -> 140 s here (issue 17, item 4).
  maxWorkers: 2,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test,bench}/**/*.unit.spec.ts'] },
    { ...base, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/{apps,libs,test}/**/*.e2e.spec.ts'] },
  ],
};
