import { firstMatching, parseFilterValues, sameFilter, ScimMappingFilter } from './scim-mapping-filter';
import {
  ProfileChanged,
  ProfileConfiguration,
  ProfileCreated,
  Quota,
  ScimMappingAdded,
  ScimMappingChanged,
  ScimMappingConfiguration,
  ScimMappingRemoved,
  ScimMappingsReordered,
  StorageAdded,
  StorageHealth,
  StorageHealthChanged,
  TenantEvent,
} from './tenant.events';
import { isCount, required, requiredName } from './tenant-refusal';
import { DomainRefused } from '../domain-refused';
import { Profile, ScimMapping, Storage, Tenant, TenantState } from './tenant.state';

/** Rule M1: a per-user quota is 0–1023 in its unit. */
export const MAX_QUOTA_AMOUNT = 1023;

export interface ProfileSpec {
  readonly profileId: string;
  readonly name: string;
  readonly maxUsers: number;
  readonly autoDeletePreservedAfterDays: number | null;
  readonly storageIds: readonly string[];
}

export interface ScimMappingSpec {
  readonly mappingId: string;
  readonly name: string;
  readonly profileId: string;
  readonly storageId: string;
  readonly quota: Quota;
}

/** The tenant's catalogue: storages (rule M6), profiles (rule M5) and the SCIM mappings onto them (rules M1–M3, M7). */
export type CatalogueCommand =
  | { readonly type: 'AddStorage'; readonly data: { storageId: string; name: string; region: string } }
  | { readonly type: 'SetStorageHealth'; readonly data: { storageId: string; health: StorageHealth } }
  | { readonly type: 'CreateProfile'; readonly data: ProfileSpec }
  /** The whole wanted configuration, like a PUT. */
  | { readonly type: 'UpdateProfile'; readonly data: ProfileSpec }
  | {
      readonly type: 'AddScimMapping';
      /** valuesText is the admin's raw text, parsed by rule M2; sendActivationEmail defaults to true (rule M1). */
      readonly data: ScimMappingSpec & { attribute: string; valuesText: string; sendActivationEmail?: boolean };
    }
  | {
      readonly type: 'ChangeScimMapping';
      /**
       * The whole wanted configuration, like a PUT. attribute and valuesText
       * may be repeated unchanged; any other value is refused (rule M3).
       */
      readonly data: ScimMappingSpec & { sendActivationEmail: boolean; attribute?: string; valuesText?: string };
    }
  | { readonly type: 'ReorderScimMappings'; readonly data: { orderedIds: readonly string[] } }
  | { readonly type: 'RemoveScimMapping'; readonly data: { mappingId: string } };

export type CatalogueEvent =
  StorageAdded | StorageHealthChanged | ProfileCreated | ProfileChanged | ScimMappingAdded | ScimMappingChanged | ScimMappingsReordered | ScimMappingRemoved;

export function decideCatalogue(command: CatalogueCommand, tenant: Tenant): TenantEvent[] {
  switch (command.type) {
    case 'AddStorage': {
      const storageId = required(command.data.storageId, 'InvalidStorage', 'storageId');
      const name = requiredName(command.data.name, 'InvalidStorage', 'storage name');
      const region = requiredName(command.data.region, 'InvalidStorage', 'storage region');
      const known = tenant.storages.find((s) => s.storageId === storageId);
      if (known) {
        if (known.name === name && known.region === region) return [];
        throw new DomainRefused('StorageAlreadyExists', `storage ${storageId} already exists`);
      }
      // Rule M6 decision: a new storage is healthy until told otherwise.
      return [{ type: 'StorageAdded', data: { storageId, name, region, health: 'healthy' } }];
    }
    case 'SetStorageHealth': {
      const storage = knownStorage(tenant, command.data.storageId);
      const { health } = command.data;
      if (health !== 'healthy' && health !== 'unhealthy') throw new DomainRefused('InvalidStorage', `unknown health ${String(health)}`);
      return health === storage.health ? [] : [{ type: 'StorageHealthChanged', data: { storageId: storage.storageId, health } }];
    }
    case 'CreateProfile': {
      const profileId = required(command.data.profileId, 'InvalidProfile', 'profileId');
      const wanted = profileConfiguration(tenant, command.data);
      const known = tenant.profiles.find((p) => p.profileId === profileId);
      if (known) {
        if (sameProfile(known, wanted)) return [];
        throw new DomainRefused('ProfileAlreadyExists', `profile ${profileId} already exists`);
      }
      return [{ type: 'ProfileCreated', data: { profileId, ...wanted } }];
    }
    case 'UpdateProfile': {
      const profile = knownProfile(tenant, command.data.profileId);
      const wanted = profileConfiguration(tenant, command.data);
      if (sameProfile(profile, wanted)) return [];
      // Rule M7 must stay true: a storage a mapping of this profile uses cannot be taken away.
      const stranded = tenant.scimMappings.find((m) => m.profileId === profile.profileId && !wanted.storageIds.includes(m.storageId));
      if (stranded) {
        throw new DomainRefused('StorageNotAllowedForProfile', `mapping ${stranded.mappingId} places users of this profile on storage ${stranded.storageId}`);
      }
      return [{ type: 'ProfileChanged', data: { profileId: profile.profileId, ...wanted } }];
    }
    case 'AddScimMapping':
      return addScimMapping(tenant, command.data);
    case 'ChangeScimMapping':
      return changeScimMapping(tenant, command.data);
    case 'ReorderScimMappings': {
      const current = tenant.scimMappings.map((m) => m.mappingId);
      const orderedIds = [...command.data.orderedIds];
      // Rule M3: a new order names every mapping exactly once.
      if (orderedIds.length !== current.length || new Set(orderedIds).size !== orderedIds.length || !orderedIds.every((id) => current.includes(id))) {
        throw new DomainRefused('InvalidOrder', 'the order must list every current mapping exactly once');
      }
      return orderedIds.every((id, i) => id === current[i]) ? [] : [{ type: 'ScimMappingsReordered', data: { orderedIds } }];
    }
    case 'RemoveScimMapping': {
      const { mappingId } = command.data;
      if (tenant.removedScimMappingIds.includes(mappingId)) return [];
      knownMapping(tenant, mappingId);
      return [{ type: 'ScimMappingRemoved', data: { mappingId } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolveCatalogue(tenant: Tenant, event: CatalogueEvent): Tenant {
  switch (event.type) {
    case 'StorageAdded':
      return { ...tenant, storages: [...tenant.storages, { ...event.data }] };
    case 'StorageHealthChanged':
      return {
        ...tenant,
        storages: tenant.storages.map((s) => (s.storageId === event.data.storageId ? { ...s, health: event.data.health } : s)),
      };
    case 'ProfileCreated':
      return { ...tenant, profiles: [...tenant.profiles, { ...event.data }] };
    case 'ProfileChanged':
      return { ...tenant, profiles: tenant.profiles.map((p) => (p.profileId === event.data.profileId ? { ...event.data } : p)) };
    case 'ScimMappingAdded':
      // Rule M3: new mappings go to the bottom.
      return { ...tenant, scimMappings: [...tenant.scimMappings, { ...event.data }] };
    case 'ScimMappingChanged':
      return {
        ...tenant,
        scimMappings: tenant.scimMappings.map((m) => (m.mappingId === event.data.mappingId ? { ...event.data, filter: m.filter } : m)),
      };
    case 'ScimMappingsReordered': {
      const byId = new Map(tenant.scimMappings.map((m) => [m.mappingId, m]));
      const ordered = event.data.orderedIds.flatMap((id) => {
        const mapping = byId.get(id);
        return mapping ? [mapping] : [];
      });
      return { ...tenant, scimMappings: ordered };
    }
    case 'ScimMappingRemoved':
      return {
        ...tenant,
        scimMappings: tenant.scimMappings.filter((m) => m.mappingId !== event.data.mappingId),
        removedScimMappingIds: [...tenant.removedScimMappingIds, event.data.mappingId],
      };
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Rules M2/M3: the first mapping, in order, whose filter the user's attributes satisfy; null when none (rule M4). */
export function firstMatchingMapping(state: TenantState, attributes: Readonly<Record<string, unknown>>): ScimMapping | null {
  return state.status !== 'Active' ? null : firstMatching(state.scimMappings, attributes);
}

function addScimMapping(tenant: Tenant, data: ScimMappingSpec & { attribute: string; valuesText: string; sendActivationEmail?: boolean }): TenantEvent[] {
  const mappingId = required(data.mappingId, 'InvalidMapping', 'mappingId');
  const filter: ScimMappingFilter = {
    attribute: requiredName(data.attribute, 'InvalidMapping', 'filter attribute'),
    values: parseFilterValues(data.valuesText),
  };
  if (filter.values.length === 0) throw new DomainRefused('InvalidMapping', 'the filter needs at least one value (rule M2)');
  // Rule M1: an activation email is sent unless the admin says otherwise.
  const configuration = mappingConfiguration(tenant, { ...data, sendActivationEmail: data.sendActivationEmail ?? true });
  if (tenant.removedScimMappingIds.includes(mappingId)) {
    throw new DomainRefused('MappingAlreadyExists', `mapping id ${mappingId} belonged to a removed mapping`);
  }
  const known = tenant.scimMappings.find((m) => m.mappingId === mappingId);
  if (known) {
    if (sameFilter(known.filter, filter) && sameMappingConfiguration(known, configuration)) return [];
    throw new DomainRefused('MappingAlreadyExists', `mapping ${mappingId} already exists`);
  }
  return [{ type: 'ScimMappingAdded', data: { mappingId, filter, ...configuration } }];
}

function changeScimMapping(tenant: Tenant, data: ScimMappingSpec & { sendActivationEmail: boolean; attribute?: string; valuesText?: string }): TenantEvent[] {
  const mapping = knownMapping(tenant, data.mappingId);
  // Rule M3: the filter is fixed at creation; repeating it unchanged is fine.
  const wantedFilter: ScimMappingFilter = {
    attribute: data.attribute === undefined ? mapping.filter.attribute : data.attribute.trim(),
    values: data.valuesText === undefined ? mapping.filter.values : parseFilterValues(data.valuesText),
  };
  if (!sameFilter(mapping.filter, wantedFilter)) {
    throw new DomainRefused('MappingFilterImmutable', 'a mapping filter cannot change after creation: add a new mapping instead');
  }
  const configuration = mappingConfiguration(tenant, data);
  if (sameMappingConfiguration(mapping, configuration)) return [];
  return [{ type: 'ScimMappingChanged', data: { mappingId: mapping.mappingId, ...configuration } }];
}

function mappingConfiguration(tenant: Tenant, data: ScimMappingSpec & { sendActivationEmail: boolean }): ScimMappingConfiguration {
  const name = requiredName(data.name, 'InvalidMapping', 'mapping name');
  const profile = knownProfile(tenant, data.profileId);
  const storage = knownStorage(tenant, data.storageId);
  // Rule M7: only a storage the profile may use.
  if (!profile.storageIds.includes(storage.storageId)) {
    throw new DomainRefused('StorageNotAllowedForProfile', `profile ${profile.profileId} may not use storage ${storage.storageId}`);
  }
  const { amount, unit } = data.quota;
  // Rule M1: 0 (unlimited) to 1023 in MB, GB or TB.
  if (!Number.isInteger(amount) || amount < 0 || amount > MAX_QUOTA_AMOUNT || (unit !== 'MB' && unit !== 'GB' && unit !== 'TB')) {
    throw new DomainRefused('InvalidMapping', `quota must be 0–${MAX_QUOTA_AMOUNT} MB, GB or TB`);
  }
  if (typeof data.sendActivationEmail !== 'boolean') throw new DomainRefused('InvalidMapping', 'sendActivationEmail must be a boolean');
  return { name, profileId: profile.profileId, storageId: storage.storageId, quota: { amount, unit }, sendActivationEmail: data.sendActivationEmail };
}

function sameMappingConfiguration(a: ScimMappingConfiguration, b: ScimMappingConfiguration): boolean {
  return (
    a.name === b.name &&
    a.profileId === b.profileId &&
    a.storageId === b.storageId &&
    a.quota.amount === b.quota.amount &&
    a.quota.unit === b.quota.unit &&
    a.sendActivationEmail === b.sendActivationEmail
  );
}

function profileConfiguration(tenant: Tenant, spec: ProfileSpec): ProfileConfiguration {
  const name = requiredName(spec.name, 'InvalidProfile', 'profile name');
  // Rule M5: 0 means unlimited.
  if (!isCount(spec.maxUsers)) throw new DomainRefused('InvalidProfile', 'maxUsers must be an integer ≥ 0');
  const autoDelete = spec.autoDeletePreservedAfterDays;
  if (autoDelete !== null && !isCount(autoDelete)) {
    throw new DomainRefused('InvalidProfile', 'autoDeletePreservedAfterDays must be an integer ≥ 0 or null');
  }
  // A set: order and repeats carry no meaning, so they never count as a change.
  const storageIds = [...new Set(spec.storageIds)].sort();
  if (storageIds.length === 0) throw new DomainRefused('InvalidProfile', 'a profile needs at least one storage (rule M7)');
  for (const storageId of storageIds) knownStorage(tenant, storageId);
  return { name, maxUsers: spec.maxUsers, autoDeletePreservedAfterDays: autoDelete, storageIds };
}

function sameProfile(a: ProfileConfiguration, b: ProfileConfiguration): boolean {
  return (
    a.name === b.name &&
    a.maxUsers === b.maxUsers &&
    a.autoDeletePreservedAfterDays === b.autoDeletePreservedAfterDays &&
    a.storageIds.length === b.storageIds.length &&
    a.storageIds.every((id, i) => id === b.storageIds[i])
  );
}

function knownStorage(tenant: Tenant, storageId: string): Storage {
  const storage = tenant.storages.find((s) => s.storageId === storageId);
  if (!storage) throw new DomainRefused('UnknownStorage', `no storage ${storageId}`);
  return storage;
}

function knownProfile(tenant: Tenant, profileId: string): Profile {
  const profile = tenant.profiles.find((p) => p.profileId === profileId);
  if (!profile) throw new DomainRefused('UnknownProfile', `no profile ${profileId}`);
  return profile;
}

function knownMapping(tenant: Tenant, mappingId: string): ScimMapping {
  const mapping = tenant.scimMappings.find((m) => m.mappingId === mappingId);
  if (!mapping) throw new DomainRefused('UnknownMapping', `no SCIM mapping ${mappingId}`);
  return mapping;
}
