import { TenantCreated, TenantDeleted, TenantEvent, TenantRenamed } from './tenant.events';
import { required, requiredName } from './tenant-refusal';
import { DomainRefused } from '../domain-refused';
import { Tenant, TenantState } from './tenant.state';

/** The tenant itself: created, renamed, deleted. */
export type TenantLifecycleCommand =
  | { readonly type: 'CreateTenant'; readonly data: { tenantId: string; name: string } }
  | { readonly type: 'ChangeTenantSettings'; readonly data: { name: string } }
  | { readonly type: 'DeleteTenant'; readonly data: Record<string, never> };

export function decideTenantLifecycle(command: TenantLifecycleCommand, state: TenantState): TenantEvent[] {
  switch (command.type) {
    case 'CreateTenant': {
      if (state.status === 'Deleted') throw new DomainRefused('TenantAlreadyExists', 'a deleted tenant had this id; ids are never reused');
      if (state.status !== 'Initial') throw new DomainRefused('TenantAlreadyExists', 'tenant already exists');
      const tenantId = required(command.data.tenantId, 'InvalidTenant', 'tenantId');
      const name = requiredName(command.data.name, 'InvalidTenant', 'tenant name');
      // Rule T6 decision: no method until the admin picks SCIM or AD/LDAP.
      return [{ type: 'TenantCreated', data: { tenantId, name, userManagement: 'manual' } }];
    }
    case 'ChangeTenantSettings': {
      const tenant = existing(state);
      const name = requiredName(command.data.name, 'InvalidTenant', 'tenant name');
      return name === tenant.name ? [] : [{ type: 'TenantRenamed', data: { name } }];
    }
    case 'DeleteTenant':
      // Deleting again changes nothing: the caller may be finishing a deletion that was interrupted.
      if (state.status === 'Deleted') return [];
      existing(state);
      return [{ type: 'TenantDeleted', data: {} }];
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

/** A new tenant has nothing configured yet; its creation applies whatever came before. */
export function tenantCreated(event: TenantCreated): Tenant {
  const { tenantId, name, userManagement } = event.data;
  return {
    status: 'Active',
    tenantId,
    name,
    userManagement,
    licences: { activeLicences: 0, preservedLicences: 0 },
    scimToken: null,
    notificationContacts: [],
    apiCredentials: [],
    storages: [],
    profiles: [],
    scimMappings: [],
    removedScimMappingIds: [],
  };
}

export function evolveTenantLifecycle(tenant: Tenant, event: TenantRenamed | TenantDeleted): TenantState {
  switch (event.type) {
    case 'TenantDeleted':
      return { status: 'Deleted', tenantId: tenant.tenantId };
    case 'TenantRenamed':
      return { ...tenant, name: event.data.name };
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

export function existing(state: TenantState): Tenant {
  if (state.status !== 'Active') throw new DomainRefused('TenantNotFound', 'tenant not found');
  return state;
}
