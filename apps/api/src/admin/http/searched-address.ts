import { ValidateBy, ValidationOptions } from 'class-validator';
import { addressFault, characterCount, TEXT_WIDTH } from '@scim-ledger/domain';

/** Why `value` cannot be an address searched for, or null when it can. */
function searchedAddressFault(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be one address (userName or email)';
  if (value.trim() === '') return 'must name an address (userName or email)';
  // No user can hold a longer address (rule L1's bound, on the stored form), nor one with what addressFault refuses.
  if (characterCount(value) > TEXT_WIDTH.userAttribute) return `must be at most ${TEXT_WIDTH.userAttribute} characters`;
  return addressFault(value);
}

/**
 * An address to search by, matched exactly on its key (emailKey): one that
 * no user could hold is a 400, not a search that can only come back empty.
 */
export function IsSearchedAddress(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSearchedAddress',
      validator: {
        validate: (value: unknown) => searchedAddressFault(value) === null,
        defaultMessage: (args) => `${args?.property ?? 'value'} ${searchedAddressFault(args?.value) ?? 'must be an address'}`,
      },
    },
    options,
  );
}
