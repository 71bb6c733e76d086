import { ValidateBy, ValidationOptions } from 'class-validator';
import { characterCount } from '@scim-ledger/domain';

/**
 * A string that fits a read-model column of `width` characters (TEXT_WIDTH),
 * counted as PostgreSQL counts them. class-validator's MaxLength does not:
 * it leaves out variation selectors, so 200 letters each followed by U+FE0F
 * passed MaxLength(200) as 400 characters and stopped the projector on a
 * varchar(200) (issue 15).
 */
export function FitsColumn(width: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'fitsColumn',
      constraints: [width],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && characterCount(value) <= width,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be at most ${width} characters`,
      },
    },
    options,
  );
}
