import { applyDecorators, Controller, UseFilters, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from '../auth/admin-auth';
import { ProblemDetailsFilter } from '../../http/problem-details.filter';

/** Every admin controller: authenticated, validated bodies, RFC 9457 errors, documented in OpenAPI. */
export function AdminController(tag: string, path = 'admin/v1') {
  return applyDecorators(
    Controller(path),
    ApiTags(tag),
    ApiBearerAuth('operator'),
    ApiBasicAuth('api-credential'),
    UseGuards(AdminAuthGuard),
    UseFilters(ProblemDetailsFilter),
    UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true })),
  );
}
