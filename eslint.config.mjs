// One lint configuration for the monorepo (issue 16, item 5): typescript-eslint's
// recommended rules, and the import boundaries that keep the layers pointing one way
// (README, Architecture). Formatting is Prettier's alone (.prettierrc.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Node's built-in modules as they may also be imported, without the node: prefix. */
const NODE_MODULES_BY_BARE_NAME = [
  'fs',
  'fs/*',
  'http',
  'https',
  'http2',
  'net',
  'dgram',
  'dns',
  'tls',
  'child_process',
  'cluster',
  'worker_threads',
  'os',
  'process',
  'readline',
  'timers',
  'timers/*',
  'v8',
  'vm',
];

/** apps/api's route folders (SCIM, admin, and the probes and metrics of operations/). */
const ROUTE_FOLDERS = ['admin', 'scim-users', 'scim-groups', 'discovery', 'bench-noop', 'operations'];
const API_ROUTES = [...ROUTE_FOLDERS.map((folder) => `**/${folder}/*`), '**/app.module', '**/create-app'];

/** A route folder imports no other: what two routes share lives below them (application/, http/, auth/). */
const routesApart = () =>
  ROUTE_FOLDERS.map((folder) => ({
    files: [`apps/api/src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ROUTE_FOLDERS.filter((other) => other !== folder).map((other) => `**/${other}/*`),
              message: 'a route never imports another route\'s folder: what both need lives below them (README, "Layers of apps/api").',
            },
            ...READ_MODEL_QUERIED_IN_READING,
          ],
        },
      ],
    },
  }));

const APPLICATION_KNOWS_NO_EDGE = {
  group: ['**/http/*', '**/auth/*', ...API_ROUTES],
  message: 'application/ depends on the domain and the ports only, never on the HTTP edge or a route.',
};

/**
 * The read model is queried through application/reading/'s query objects only (issue 16, item 4): below them
 * nothing opens a repository, a query builder or a statement, nor asks for the read model's connection.
 */
const READ_MODEL_QUERIED_IN_READING = [
  { group: ['typeorm', '@nestjs/typeorm'], message: 'query the read model through a query object in application/reading/ (README, "Layers of apps/api").' },
  {
    group: ['**/tokens'],
    importNames: ['READ_MODEL'],
    message: "the read model's connection is application/reading/'s and the wiring's (app.module.ts, projector-lifecycle.ts).",
  },
];
/** What may open the read model: its query objects, and the wiring that opens, projects and closes it. */
const READ_MODEL_WIRING = ['apps/api/src/application/reading/**', 'apps/api/src/app.module.ts', 'apps/api/src/projector-lifecycle.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'reports/**', 'bench/results/**', '.stryker-tmp/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Layout is Prettier's: the rules that would fight it are off.
  prettier,
  {
    rules: {
      // Unused names are errors, but a leading underscore says "deliberately unused" (a discarded tuple slot).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Control characters in patterns are the point where they appear: sanitising and escaping (rules L8, S1; issue 15).
      'no-control-regex': 'off',
    },
  },
  {
    // The domain is pure (STYLE points 1, 2, 7): no framework, ORM, database or other library of the project.
    files: ['libs/domain/src/**/*.ts'],
    rules: {
      // No clock and no chance in the domain: time and ids arrive with the command (shared/STYLE.md point 1).
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'the domain reads no clock: the time arrives with the command.' },
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'the domain reads no clock: the time arrives with the command.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'the domain draws no chance: ids arrive with the command.',
        },
        { selector: 'ImportExpression', message: 'libs/domain imports statically, so its boundaries are checked.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'better-sqlite3', 'pg', '@eventstore/*', 'fastify'],
              message: 'libs/domain is pure: no framework, storage or I/O (shared/STYLE.md points 1 and 7).',
            },
            {
              // Node's modules do I/O, but for two pure computations: a digest and IDNA's domain mapping.
              group: ['node:*', '!node:crypto', '!node:url', ...NODE_MODULES_BY_BARE_NAME],
              message: "libs/domain is pure: no file, network, process or thread (shared/STYLE.md point 1); only node:crypto's digests and node:url's IDNA.",
            },
            {
              group: ['@scim-ledger/*', '**/apps/**', '**/event-store/**', '**/read-model/**', '**/scim/**', '**/platform/**'],
              message: 'libs/domain depends on nothing else of the project.',
            },
          ],
        },
      ],
    },
  },
  // Libraries never reach into an app, and each uses only the libraries below it: the event store and the platform
  // none, the SCIM library the domain, the read model the domain and the event store (README, Architecture).
  ...Object.entries({ 'event-store': [], platform: [], scim: ['domain'], 'read-model': ['domain', 'event-store'] }).map(([library, below]) => ({
    files: [`libs/${library}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/apps/**'], message: 'a library never imports an app.' },
            {
              group: ['@scim-ledger/*', ...below.map((name) => `!@scim-ledger/${name}`)],
              message: `libs/${library} uses ${below.length ? below.map((name) => `libs/${name}`).join(' and ') : 'no other library of the project'}.`,
            },
          ],
        },
      ],
    },
  })),
  {
    // The routes and whatever else in apps/api has no boundary of its own below.
    files: ['apps/api/src/**/*.ts'],
    ignores: [...READ_MODEL_WIRING, 'apps/api/src/application/**', 'apps/api/src/http/**', 'apps/api/src/auth/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: READ_MODEL_QUERIED_IN_READING }],
    },
  },
  ...routesApart(),
  {
    // apps/api's layers point one way (README, "Layers of apps/api"): below the routes nothing imports a route folder,
    // and the application layer knows no HTTP edge either.
    files: ['apps/api/src/application/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [APPLICATION_KNOWS_NO_EDGE],
        },
      ],
    },
  },
  {
    // The same, and the read model through application/reading/ (a rule's options replace the block's above, so both are listed).
    files: ['apps/api/src/application/**/*.ts'],
    ignores: READ_MODEL_WIRING,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [APPLICATION_KNOWS_NO_EDGE, ...READ_MODEL_QUERIED_IN_READING],
        },
      ],
    },
  },
  {
    files: ['apps/api/src/http/**/*.ts', 'apps/api/src/auth/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: API_ROUTES, message: 'the HTTP edge serves the routes; it never imports one.' }, ...READ_MODEL_QUERIED_IN_READING] },
      ],
    },
  },
  {
    // Tests may reach for what they need (spies on internals, fixtures).
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-imports': 'off',
    },
  },
);
