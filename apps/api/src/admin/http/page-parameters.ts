import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** The largest offset a list takes: a 32-bit integer, far beyond any tenant's rows. */
export const MAX_START_INDEX = 2_147_483_647;

/** An admin list's 1-based `startIndex`, bounded: 1e21 is an integer to JavaScript and a 500 to the database's OFFSET (issue 15, finding 8). */
export function StartIndexParameter(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ default: 1, maximum: MAX_START_INDEX }),
    IsOptional(),
    Transform(({ value }) => Number(value)),
    IsInt(),
    Min(1),
    Max(MAX_START_INDEX),
  );
}

/** An admin list's `count`: how many rows a page holds, up to `maximum`. */
export function CountParameter(defaultCount: number, maximum: number): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ default: defaultCount, maximum }),
    IsOptional(),
    Transform(({ value }) => Number(value)),
    IsInt(),
    Min(0),
    Max(maximum),
  );
}
