// npm run test:mutation (2 of 2): every mutant of the command handlers and provisioning services against the
// e2e specs of the rules (test/mutation/jest.handlers.config.js), on the embedded SQLite.
import { mutationRun } from './test/mutation/stryker-run.mjs';

export default mutationRun('handlers', {
  mutate: [
    'apps/api/src/scim-users/**/*.command.ts',
    'apps/api/src/scim-users/existing-user-write.ts',
    // Records every refused write (rule S2): the attack on issue 17 found it outside the run.
    'apps/api/src/http/scim-write.ts',
    'apps/api/src/application/{address-claims,profile-seats,provisioning,refusals,users,tenants}/*.ts',
    '!apps/api/src/application/**/*.spec.ts',
  ],
  timeoutMS: 60_000,
});
