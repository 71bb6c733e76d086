import { Body, Get, Inject, Param, Put } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsString } from 'class-validator';
import { MAX_NOTIFICATION_CONTACTS } from '@scim-ledger/domain';
import { requireTenant } from '../auth/admin-principal';
import { AdminCall, Call } from '../http/admin-call';
import { AdminController, TenantRoute } from '../http/admin-controller';
import { AdminProblem } from '../../http/problem-details.filter';
import { TenantCommands } from '../../application/tenants/tenant-commands';
import { APP_CONFIG, AppConfig } from '../../tokens';

/**
 * Duplicates are dropped by the domain, so a list may be longer than the
 * contacts it makes; this bound only keeps a body from being huge. Each
 * address is judged by the domain (InvalidNotificationContacts).
 */
const MAX_LISTED = 5 * MAX_NOTIFICATION_CONTACTS;

export class NotificationContactsBody {
  @ApiProperty({
    description: `the whole list of addresses the tenant's SCIM token expiry reminders go to (rule T3), at most ${MAX_NOTIFICATION_CONTACTS}; empty: to the operator's address`,
    example: ['it-admins@acme.example', 'ada@acme.example'],
    type: [String],
  })
  @IsArray()
  @ArrayMaxSize(MAX_LISTED)
  @IsString({ each: true })
  contacts: string[];
}

/**
 * Rule T3 (revised): the tenant's admins choose who is reminded before its
 * SCIM token expires. PUT of the whole list rather than POST/DELETE per
 * contact: the list is short and has no ids of its own, one PUT is
 * idempotent (the same list again changes nothing, rule: a no-op emits no
 * event), and each change is one NotificationContactsSet in the audit trail.
 * Read from the tenant's folded stream, as the notifier reads it: no table.
 */
@AdminController('notification contacts', 'admin/v1/tenants/:tenantId')
export class NotificationContactsController {
  constructor(
    private readonly tenants: TenantCommands,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('notification-contacts')
  @TenantRoute({
    summary:
      "Where the tenant's SCIM token expiry reminders go (rule T3): `remindersGoTo` is `contacts`, `operator` (none set: the operator's address) or `nobody` (none set and no operator address)",
  })
  async contacts(@Param('tenantId') tenantId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    return this.view(tenantId);
  }

  @Put('notification-contacts')
  @TenantRoute({
    summary:
      "Set the whole list of notification contacts (rule T3): addresses are trimmed, one mailbox spelt twice is kept once, at most 20; an empty list sends reminders to the operator's address",
  })
  async setContacts(@Param('tenantId') tenantId: string, @Body() body: NotificationContactsBody, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.tenants.execute(tenantId, { type: 'SetNotificationContacts', data: { contacts: body.contacts } }, call.request);
    return this.view(tenantId);
  }

  private async view(tenantId: string) {
    const { state } = await this.tenants.load(tenantId);
    if (state.status !== 'Active') throw new AdminProblem(404, 'Not Found', `tenant ${tenantId} not found`);
    return { contacts: state.notificationContacts, remindersGoTo: this.remindersGoTo(state.notificationContacts) };
  }

  /** Tells the admin of a tenant that would get no reminder (no contacts, no operator fallback), never the operator's address. */
  private remindersGoTo(contacts: readonly string[]): 'contacts' | 'operator' | 'nobody' {
    if (contacts.length > 0) return 'contacts';
    return this.config.expiryReminders.email?.fallbackTo ? 'operator' : 'nobody';
  }
}
