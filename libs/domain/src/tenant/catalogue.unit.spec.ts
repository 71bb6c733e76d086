import { decide, firstMatchingMapping, foldTenant, initialTenantState, TenantCommand } from './tenant.decider';
import { TenantEvent } from './tenant.events';
import { active, created, euAdded, given, globalCreated, parisAdded, salesAdded, setUp, usAdded } from '../testing/tenant-history';

describe('Tenant decider', () => {
  describe('storages (rule M6)', () => {
    it('given a tenant, when a storage is added, then StorageAdded, healthy', () => {
      given(created)
        .when({ type: 'AddStorage', data: { storageId: 's-eu', name: 'Frankfurt', region: 'eu-central-1' } })
        .then([euAdded]);
    });

    it('given a storage, when added again the same, then nothing; differently, then refused', () => {
      given(created, euAdded)
        .when({ type: 'AddStorage', data: { storageId: 's-eu', name: 'Frankfurt', region: 'eu-central-1' } })
        .then([]);
      given(created, euAdded)
        .when({ type: 'AddStorage', data: { storageId: 's-eu', name: 'Paris', region: 'eu-west-3' } })
        .thenRefused('StorageAlreadyExists');
    });

    it('given a healthy storage, when set unhealthy, then StorageHealthChanged', () => {
      given(created, euAdded)
        .when({ type: 'SetStorageHealth', data: { storageId: 's-eu', health: 'unhealthy' } })
        .then([{ type: 'StorageHealthChanged', data: { storageId: 's-eu', health: 'unhealthy' } }]);
    });

    it('given a healthy storage, when set healthy, then nothing happens', () => {
      given(created, euAdded)
        .when({ type: 'SetStorageHealth', data: { storageId: 's-eu', health: 'healthy' } })
        .then([]);
    });

    it('given a storage without a name or region, when added, then refused', () => {
      given(created)
        .when({ type: 'AddStorage', data: { storageId: 's-eu', name: ' ', region: 'eu-central-1' } })
        .thenRefused('InvalidStorage');
      given(created)
        .when({ type: 'AddStorage', data: { storageId: 's-eu', name: 'Frankfurt', region: '' } })
        .thenRefused('InvalidStorage');
    });

    it('given a health the API did not validate, when set, then refused', () => {
      given(created, euAdded)
        .when({ type: 'SetStorageHealth', data: { storageId: 's-eu', health: 'degraded' as 'unhealthy' } })
        .thenRefused('InvalidStorage');
    });

    it('given no such storage, when its health is set, then refused', () => {
      given(created)
        .when({ type: 'SetStorageHealth', data: { storageId: 's-eu', health: 'unhealthy' } })
        .thenRefused('UnknownStorage');
    });
  });

  describe('profiles (rule M5)', () => {
    const spec = { profileId: 'p-global', name: 'Global', maxUsers: 0, autoDeletePreservedAfterDays: null, storageIds: ['s-us', 's-eu', 's-us'] };

    it('given storages, when a profile is created, then ProfileCreated with its storages as a sorted set', () => {
      given(created, euAdded, usAdded).when({ type: 'CreateProfile', data: spec }).then([globalCreated]);
    });

    it('given no such storage, when a profile names it, then refused', () => {
      given(created, euAdded).when({ type: 'CreateProfile', data: spec }).thenRefused('UnknownStorage');
    });

    it.each([
      ['maxUsers below 0', { maxUsers: -1 }],
      ['a fractional maxUsers', { maxUsers: 1.5 }],
      ['a negative auto-delete period', { autoDeletePreservedAfterDays: -1 }],
      ['no storage', { storageIds: [] }],
      ['no name', { name: '' }],
    ])('given %s, when a profile is created, then refused', (_, over) => {
      given(created, euAdded, usAdded)
        .when({ type: 'CreateProfile', data: { ...spec, ...over } })
        .thenRefused('InvalidProfile');
    });

    it('given a profile, when created again differently, then refused', () => {
      given(created, euAdded, usAdded, globalCreated)
        .when({ type: 'CreateProfile', data: { ...spec, maxUsers: 5 } })
        .thenRefused('ProfileAlreadyExists');
    });

    it('given a profile, when updated, then ProfileChanged with the whole configuration', () => {
      given(created, euAdded, usAdded, globalCreated)
        .when({ type: 'UpdateProfile', data: { ...spec, maxUsers: 250, autoDeletePreservedAfterDays: 30 } })
        .then([{ type: 'ProfileChanged', data: { ...globalCreated.data, maxUsers: 250, autoDeletePreservedAfterDays: 30 } }]);
    });

    // Each field on its own is a change (`npm run test:mutation` found a comparison that could ignore any one of them).
    it.each([
      ['its name', { name: 'Worldwide' }],
      ['its cap (rule M5)', { maxUsers: 3 }],
      ['its auto-delete period (rule L10)', { autoDeletePreservedAfterDays: 7 }],
      ['one storage fewer (rule M7)', { storageIds: ['s-us'] }],
    ])('given a profile, when only %s changes, then ProfileChanged', (_, over) => {
      const changed = { ...spec, ...over };
      given(created, euAdded, usAdded, globalCreated)
        .when({ type: 'UpdateProfile', data: changed })
        .then([
          {
            type: 'ProfileChanged',
            data: { ...globalCreated.data, ...over, storageIds: [...new Set(changed.storageIds)].sort() },
          },
        ]);
    });

    it('given a profile, when one of its storages is swapped for another (as many as before), then ProfileChanged (rule M7)', () => {
      const apAdded: TenantEvent = { type: 'StorageAdded', data: { storageId: 's-ap', name: 'Sydney', region: 'ap-southeast-2', health: 'healthy' } };
      given(created, euAdded, usAdded, apAdded, globalCreated)
        .when({ type: 'UpdateProfile', data: { ...spec, storageIds: ['s-us', 's-ap'] } })
        .then([{ type: 'ProfileChanged', data: { ...globalCreated.data, storageIds: ['s-ap', 's-us'] } }]);
    });

    it('given a profile, when updated with the same storages in another order, then nothing happens', () => {
      given(created, euAdded, usAdded, globalCreated)
        .when({ type: 'UpdateProfile', data: { ...spec, storageIds: ['s-eu', 's-us'] } })
        .then([]);
    });

    it('given a mapping placing the profile on a storage, when the profile drops that storage, then refused (rule M7)', () => {
      given(...setUp, parisAdded)
        .when({ type: 'UpdateProfile', data: { ...spec, storageIds: ['s-eu'] } })
        .thenRefused('StorageNotAllowedForProfile');
    });

    it('given no such profile, when updated, then refused', () => {
      given(created, euAdded, usAdded).when({ type: 'UpdateProfile', data: spec }).thenRefused('UnknownProfile');
    });
  });

  describe('SCIM mappings (rules M1–M3, M7)', () => {
    const add = (over: Partial<Extract<TenantCommand, { type: 'AddScimMapping' }>['data']> = {}): TenantCommand => ({
      type: 'AddScimMapping',
      data: {
        mappingId: 'm-sales',
        name: 'Sales',
        attribute: 'department',
        valuesText: 'Sales, Marketing',
        profileId: 'p-staff',
        storageId: 's-eu',
        quota: { amount: 50, unit: 'GB' },
        ...over,
      },
    });
    const change = (over: Partial<Extract<TenantCommand, { type: 'ChangeScimMapping' }>['data']> = {}): TenantCommand => ({
      type: 'ChangeScimMapping',
      data: {
        mappingId: 'm-sales',
        name: 'Sales',
        profileId: 'p-staff',
        storageId: 's-eu',
        quota: { amount: 50, unit: 'GB' },
        sendActivationEmail: true,
        ...over,
      },
    });

    describe('adding', () => {
      it('given a profile and storage, when a mapping is added, then ScimMappingAdded with parsed values and the activation email on by default (rules M1, M2)', () => {
        given(...setUp)
          .when(add())
          .then([salesAdded]);
      });

      it('given values containing commas, when added with semicolons, then the values keep their commas (rule M2)', () => {
        const [event] = decide(add({ attribute: 'office', valuesText: 'Paris, FR; Lyon, FR' }), foldTenant(setUp));
        expect(event.type === 'ScimMappingAdded' && event.data.filter).toEqual({ attribute: 'office', values: ['Paris, FR', 'Lyon, FR'] });
      });

      it('given mappings, when one more is added, then it goes to the bottom (rule M3)', () => {
        const state = active(
          given(...setUp, parisAdded)
            .when(add())
            .thenState(),
        );
        expect(state.scimMappings.map((m) => m.mappingId)).toEqual(['m-paris', 'm-sales']);
      });

      it.each([
        ['no value', { valuesText: ' , ' }],
        ['no attribute', { attribute: ' ' }],
        ['no name', { name: '' }],
        ['a quota above 1023', { quota: { amount: 1024, unit: 'GB' as const } }],
        ['a negative quota', { quota: { amount: -1, unit: 'GB' as const } }],
        ['a fractional quota', { quota: { amount: 1.5, unit: 'TB' as const } }],
        ['an unknown unit', { quota: { amount: 1, unit: 'PB' as 'TB' } }],
      ])('given %s, when added, then refused', (_, over) => {
        given(...setUp)
          .when(add(over))
          .thenRefused('InvalidMapping');
      });

      it('given quotas at the bounds, when added, then 0 (unlimited) and 1023 are accepted', () => {
        expect(decide(add({ quota: { amount: 0, unit: 'MB' } }), foldTenant(setUp))).toHaveLength(1);
        expect(decide(add({ quota: { amount: 1023, unit: 'TB' } }), foldTenant(setUp))).toHaveLength(1);
      });

      it('given no such profile, when added, then refused', () => {
        given(...setUp)
          .when(add({ profileId: 'p-none' }))
          .thenRefused('UnknownProfile');
      });

      it('given no such storage, when added, then refused', () => {
        given(...setUp)
          .when(add({ storageId: 's-none' }))
          .thenRefused('UnknownStorage');
      });

      it('given a storage the profile may not use, when added, then refused (rule M7)', () => {
        given(...setUp)
          .when(add({ storageId: 's-us' }))
          .thenRefused('StorageNotAllowedForProfile');
      });

      it('given a mapping, when the same add arrives again, then nothing; a different one with its id, then refused', () => {
        given(...setUp, salesAdded)
          .when(add({ valuesText: 'Marketing,Sales' }))
          .then([]);
        given(...setUp, salesAdded)
          .when(add({ valuesText: 'Sales' }))
          .thenRefused('MappingAlreadyExists');
      });

      it('given a removed mapping, when its id is used again, then refused', () => {
        given(...setUp, salesAdded, { type: 'ScimMappingRemoved', data: { mappingId: 'm-sales' } })
          .when(add())
          .thenRefused('MappingAlreadyExists');
      });
    });

    describe('changing', () => {
      it('given a mapping, when its configuration changes, then ScimMappingChanged with the whole configuration (rule M3)', () => {
        given(...setUp, salesAdded)
          .when(change({ name: 'Sales & Marketing', profileId: 'p-global', storageId: 's-us', quota: { amount: 1, unit: 'TB' }, sendActivationEmail: false }))
          .then([
            {
              type: 'ScimMappingChanged',
              data: {
                mappingId: 'm-sales',
                name: 'Sales & Marketing',
                profileId: 'p-global',
                storageId: 's-us',
                quota: { amount: 1, unit: 'TB' },
                sendActivationEmail: false,
              },
            },
          ]);
      });

      // Each field on its own is a change (`npm run test:mutation` found a comparison that could ignore any one of them).
      it.each([
        ['its name', { name: 'Sales EMEA' }],
        ['its profile', { profileId: 'p-global' }],
        ['its quota amount', { quota: { amount: 60, unit: 'GB' as const } }],
        ['its quota unit', { quota: { amount: 50, unit: 'TB' as const } }],
        ['its activation email (rule M1)', { sendActivationEmail: false }],
      ])('given a mapping, when only %s changes, then ScimMappingChanged (rule M3)', (_, over) => {
        const { mappingId, name, profileId, storageId, quota, sendActivationEmail } = (change(over) as Extract<TenantCommand, { type: 'ChangeScimMapping' }>)
          .data;
        given(...setUp, salesAdded)
          .when(change(over))
          .then([{ type: 'ScimMappingChanged', data: { mappingId, name, profileId, storageId, quota, sendActivationEmail } }]);
      });

      it('given a change, then the filter in state is kept', () => {
        const state = active(
          given(...setUp, salesAdded)
            .when(change({ name: 'Renamed' }))
            .thenState(),
        );
        expect(state.scimMappings[0]).toMatchObject({ name: 'Renamed', filter: { attribute: 'department', values: ['Sales', 'Marketing'] } });
      });

      it('given a mapping, when the same configuration and filter are sent, then nothing happens', () => {
        given(...setUp, salesAdded)
          .when(change({ attribute: 'department', valuesText: 'Marketing, Sales' }))
          .then([]);
      });

      it.each([
        ['its attribute', { attribute: 'Department' }],
        ['its values', { valuesText: 'Sales' }],
        ['the case of a value', { valuesText: 'sales, Marketing' }],
      ])('given a mapping, when a change touches %s, then refused: the filter is immutable (rule M3)', (_, over) => {
        given(...setUp, salesAdded)
          .when(change({ name: 'Renamed', ...over }))
          .thenRefused('MappingFilterImmutable');
      });

      it('given a mapping, when moved to a storage its profile may not use, then refused (rule M7)', () => {
        given(...setUp, salesAdded)
          .when(change({ storageId: 's-us' }))
          .thenRefused('StorageNotAllowedForProfile');
      });

      it('given an activation-email flag that is not a boolean, when changed, then refused', () => {
        given(...setUp, salesAdded)
          .when(change({ sendActivationEmail: 'no' as unknown as boolean }))
          .thenRefused('InvalidMapping');
      });

      it('given no such mapping, when changed, then refused', () => {
        given(...setUp)
          .when(change())
          .thenRefused('UnknownMapping');
      });
    });

    describe('ordering and removal (rule M3)', () => {
      const reorder = (...orderedIds: string[]): TenantCommand => ({ type: 'ReorderScimMappings', data: { orderedIds } });
      const removed: TenantEvent = { type: 'ScimMappingRemoved', data: { mappingId: 'm-sales' } };

      it('given two mappings, when reordered, then ScimMappingsReordered', () => {
        given(...setUp, salesAdded, parisAdded)
          .when(reorder('m-paris', 'm-sales'))
          .then([{ type: 'ScimMappingsReordered', data: { orderedIds: ['m-paris', 'm-sales'] } }]);
      });

      it('given two mappings, when the current order is sent, then nothing happens', () => {
        given(...setUp, salesAdded, parisAdded)
          .when(reorder('m-sales', 'm-paris'))
          .then([]);
      });

      it.each([
        ['one missing', ['m-paris']],
        ['one twice', ['m-paris', 'm-paris']],
        ['an unknown id', ['m-paris', 'm-sales', 'm-other']],
        ['an unknown id instead of a known one', ['m-paris', 'm-other']],
      ])('given two mappings, when the order has %s, then refused', (_, ids) => {
        given(...setUp, salesAdded, parisAdded)
          .when(reorder(...ids))
          .thenRefused('InvalidOrder');
      });

      it('given a mapping, when removed, then ScimMappingRemoved (its users stay where they are)', () => {
        given(...setUp, salesAdded)
          .when({ type: 'RemoveScimMapping', data: { mappingId: 'm-sales' } })
          .then([removed]);
      });

      it('given a removed mapping, when removed again, then nothing happens', () => {
        given(...setUp, salesAdded, removed)
          .when({ type: 'RemoveScimMapping', data: { mappingId: 'm-sales' } })
          .then([]);
      });

      it('given no such mapping, when removed, then refused', () => {
        given(...setUp)
          .when({ type: 'RemoveScimMapping', data: { mappingId: 'm-sales' } })
          .thenRefused('UnknownMapping');
      });
    });

    describe('firstMatchingMapping (rules M2, M3)', () => {
      const user = { department: 'Sales', city: 'Paris' };

      it('given two mappings a user matches, then the first in order wins', () => {
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded, parisAdded]), user)?.mappingId).toBe('m-sales');
      });

      it('given the mappings reordered, then the other one wins', () => {
        const reordered: TenantEvent = { type: 'ScimMappingsReordered', data: { orderedIds: ['m-paris', 'm-sales'] } };
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded, parisAdded, reordered]), user)?.mappingId).toBe('m-paris');
      });

      it('given the first mapping removed, then the next one matches', () => {
        const removed: TenantEvent = { type: 'ScimMappingRemoved', data: { mappingId: 'm-sales' } };
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded, parisAdded, removed]), user)?.mappingId).toBe('m-paris');
      });

      it('given values in another case, then no match (case-sensitive)', () => {
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded]), { department: 'SALES' })).toBeNull();
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded]), { Department: 'Sales' })).toBeNull();
      });

      it('given any one of the values, then a match', () => {
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded]), { department: 'Marketing' })?.mappingId).toBe('m-sales');
      });

      it('given no tenant, then no match', () => {
        expect(firstMatchingMapping(initialTenantState, user)).toBeNull();
      });
    });
  });
});
