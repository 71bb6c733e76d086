// npm run test:mutation (1 of 2): every mutant of the pure deciders against the unit specs.
import { mutationRun } from './test/mutation/stryker-run.mjs';

export default mutationRun('domain', {
  mutate: ['libs/domain/src/**/*.ts', '!libs/domain/src/**/*.spec.ts', '!libs/domain/src/testing/**', '!libs/domain/src/index.ts'],
  timeoutMS: 10_000,
});
