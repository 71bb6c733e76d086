import type { DomainRefusalReason, RefusalDetailsOf } from '../domain-refused';
import type { Decider } from '../stream-module';

/**
 * Decider tests in given/when/then form (shared/STYLE.md point 11), one
 * helper for every stream kind: given these past events (or this state),
 * when this command, then these new events, this refusal, or this state.
 * Test-only: it uses Jest's `expect`, and the build leaves `testing/` out.
 */
type ThrownMatch = Parameters<jest.Matchers<void>['toThrow']>[0];

export function deciderSpec<C, E, S>(decider: Decider<C, E, S>) {
  const fold = (events: readonly E[], state: S = decider.initialState): S => events.reduce(decider.evolve, state);
  const givenState = (state: S) => ({
    state,
    when: (command: C) => ({
      then: (expected: E[]) => expect(decider.decide(command, state)).toEqual(expected),
      /** Refused by a rule for this reason, in the domain's words, with these details where the reason has any. */
      thenRefused: <R extends DomainRefusalReason>(reason: R, details?: RefusalDetailsOf<R>) =>
        expect(() => decider.decide(command, state)).toThrow(
          expect.objectContaining({ name: 'DomainRefused', reason, ...(details === undefined ? {} : { details }) }),
        ),
      /** For a caller's bug, which no rule refuses. */
      thenThrows: (error?: ThrownMatch) => expect(() => decider.decide(command, state)).toThrow(error),
      /** The state after the new events. */
      thenState: () => fold(decider.decide(command, state), state),
    }),
  });
  return { given: (...past: E[]) => givenState(fold(past)), givenState };
}
