import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { TEXT_WIDTH } from '@scim-ledger/domain';
import { FitsColumn } from '../http/fits-column';

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
/**
 * Counts and periods are stored in 32-bit integer columns: a larger value
 * appended would stop the PostgreSQL projector (issue 15), so it is refused
 * here. Ten million users, a hundred years, a thousand storages or mappings.
 */
const MAX_COUNT = 10_000_000;
const MAX_DAYS = 36_500;
const MAX_LIST = 1000;
const ID_RULE = 'lower-case letters, digits and dashes, 1-63 characters';

export class CreateTenantBody {
  @ApiProperty({ description: `the tenant id (${ID_RULE})`, example: 'acme' })
  @Matches(ID, { message: `id must be ${ID_RULE}` })
  id: string;

  @ApiProperty({ example: 'Acme Corp' })
  @IsString()
  @MinLength(1)
  @FitsColumn(TEXT_WIDTH.catalogueName)
  name: string;
}

export class TenantSettingsBody {
  @ApiProperty({ example: 'Acme Corporation' })
  @IsString()
  @MinLength(1)
  @FitsColumn(TEXT_WIDTH.catalogueName)
  name: string;
}

export class LicencesBody {
  @ApiProperty({ description: 'active user licences; 0 = unlimited (rule L10)', example: 500 })
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  activeLicences: number;

  @ApiProperty({ description: 'preserved user licences bought on top of the default 10 % allowance', example: 0 })
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  preservedLicences: number;
}

export class UserManagementBody {
  @ApiProperty({ enum: ['scim', 'ad_ldap', 'manual'], description: 'rule T6: one method at a time' })
  @IsIn(['scim', 'ad_ldap', 'manual'])
  method: 'scim' | 'ad_ldap' | 'manual';

  @ApiPropertyOptional({ description: 'when leaving SCIM: also delete the SCIM mappings (rule T6)', default: false })
  @IsOptional()
  @IsBoolean()
  deleteScimMappings?: boolean;
}

export class ApiCredentialBody {
  @ApiProperty({ example: 'backup automation' })
  @IsString()
  @MinLength(1)
  @FitsColumn(TEXT_WIDTH.catalogueName)
  name: string;
}

export class RecoveryCredentialBody {
  @ApiProperty({
    description: "why the operator issues a credential into this tenant; the tenant's audit trail shows it",
    example: 'ticket 4711: the admin lost the secret',
  })
  @IsString()
  @Matches(/\S/, { message: 'reason must say why the credential is issued' })
  @FitsColumn(TEXT_WIDTH.credentialReason)
  reason: string;
}

export class StorageBody {
  @ApiProperty({ description: `storage id (${ID_RULE})`, example: 'eu-primary' })
  @Matches(ID, { message: `id must be ${ID_RULE}` })
  id: string;

  @ApiProperty({ example: 'EU primary' })
  @IsString()
  @MinLength(1)
  @FitsColumn(TEXT_WIDTH.catalogueName)
  name: string;

  @ApiProperty({ example: 'eu-west-1' })
  @IsString()
  @MinLength(1)
  @FitsColumn(TEXT_WIDTH.region)
  region: string;
}

export class StorageHealthBody {
  @ApiProperty({ enum: ['healthy', 'unhealthy'], description: 'rule M6' })
  @IsIn(['healthy', 'unhealthy'])
  health: 'healthy' | 'unhealthy';
}

export class ProfileBody {
  @ApiProperty({ example: 'Engineering' })
  @IsString()
  @MinLength(1)
  @FitsColumn(TEXT_WIDTH.catalogueName)
  name: string;

  @ApiProperty({ description: 'maximum users, 0 = unlimited (rule M5)', example: 100, maximum: MAX_COUNT })
  @IsInt()
  @Min(0)
  @Max(MAX_COUNT)
  maxUsers: number;

  @ApiPropertyOptional({ description: 'delete preserved users for good after this many days; null = never (rule L10)', nullable: true, maximum: MAX_DAYS })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_DAYS)
  autoDeletePreservedAfterDays?: number | null;

  @ApiProperty({ description: 'the storages this profile may use (rule M7)', example: ['eu-primary'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  storageIds: string[];
}

export class CreateProfileBody extends ProfileBody {
  @ApiProperty({ description: `profile id (${ID_RULE})`, example: 'engineering' })
  @Matches(ID, { message: `id must be ${ID_RULE}` })
  id: string;
}

export class QuotaBody {
  @ApiProperty({ description: '0-1023; 0 = unlimited (rule M1)', example: 50 })
  @IsInt()
  @Min(0)
  @Max(1023)
  amount: number;

  @ApiProperty({ enum: ['MB', 'GB', 'TB'] })
  @IsIn(['MB', 'GB', 'TB'])
  unit: 'MB' | 'GB' | 'TB';
}

export class MappingConfigurationBody {
  @ApiProperty({ example: 'Engineers in Paris' })
  @IsString()
  @MinLength(1)
  @FitsColumn(TEXT_WIDTH.catalogueName)
  name: string;

  @ApiProperty({ example: 'engineering' })
  @IsString()
  @MaxLength(63)
  profileId: string;

  @ApiProperty({ example: 'eu-primary' })
  @IsString()
  @MaxLength(63)
  storageId: string;

  @ApiProperty({ type: QuotaBody })
  // ValidateNested alone lets a missing or non-object quota through (class-validator skips it): 500 before issue 15.
  @IsObject()
  @ValidateNested()
  @Type(() => QuotaBody)
  quota: QuotaBody;

  @ApiPropertyOptional({ default: true, description: 'send an activation email to new users (rule M1)' })
  @IsOptional()
  @IsBoolean()
  sendActivationEmail?: boolean;
}

export class CreateMappingBody extends MappingConfigurationBody {
  @ApiProperty({ description: `mapping id (${ID_RULE})`, example: 'paris-engineers' })
  @Matches(ID, { message: `id must be ${ID_RULE}` })
  id: string;

  @ApiProperty({ description: 'the user attribute the filter reads; case-sensitive (rule M2)', example: 'department' })
  @IsString()
  @MinLength(1)
  @FitsColumn(TEXT_WIDTH.catalogueName)
  attribute: string;

  @ApiProperty({ description: 'accepted values, comma-separated; semicolon-separated when a value holds a comma (rule M2)', example: 'Engineering,R&D' })
  @IsString()
  @MinLength(1)
  @FitsColumn(TEXT_WIDTH.mappingValues)
  values: string;
}

export class MappingOrderBody {
  @ApiProperty({ description: 'every mapping id, first tried first (rule M3)', example: ['paris-engineers', 'everyone'] })
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  orderedIds: string[];
}
