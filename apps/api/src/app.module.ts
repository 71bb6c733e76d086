import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { PassportModule } from '@nestjs/passport';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { standardOutput } from './standard-output';
import { requestLogTenant } from './http/request-log-tenant';
import { DataSource } from 'typeorm';
import { personalFieldsOf } from '@scim-ledger/domain';
import { EVENT_STORE, EventStore, openEventStore, PERSONAL_DATA_SHREDDER, sqliteWriteLock } from '@scim-ledger/event-store';
import { countSetAside, openReadModel, projectionLockFor, ReadModelFreshness, ReadModelProjector } from '@scim-ledger/read-model';
import { AppConfig, Clock, SystemClock } from '@scim-ledger/platform';
import { ScimBearerStrategy } from './auth/scim-bearer.strategy';
import { ScimTokens } from './auth/scim-tokens';
import { ScimDiscoveryController } from './discovery/scim-discovery.controller';
import { ApiCredentialStrategy, OperatorStrategy } from './admin/auth/admin-auth';
import { ExpiryReminderEmails } from './admin/reminders/expiry-reminder-emails';
import { NotificationContactsController } from './admin/reminders/notification-contacts.controller';
import { ScimTokenReminders } from './admin/reminders/scim-token-reminders';
import { BootstrapTenant } from './application/tenants/bootstrap-tenant';
import { TenantConfigurationController } from './admin/tenants/tenant-configuration.controller';
import { TenantsController } from './admin/tenants/tenants.controller';
import { AdminUsersController } from './admin/users/admin-users.controller';
import { AdminGroupsController } from './admin/groups/admin-groups.controller';
import { ProjectionFailuresController } from './admin/projection/projection-failures.controller';
import { AuditController } from './admin/audit/audit.controller';
import { TenantCommands } from './application/tenants/tenant-commands';
import { DecidedStreams } from './application/event-sourcing/decided-streams';
import { ReadYourWrites } from './application/event-sourcing/read-your-writes';
import { ProjectorLifecycle } from './projector-lifecycle';
import { BenchNoopController } from './bench-noop/bench-noop.controller';
import { ScimGroupsController } from './scim-groups/scim-groups.controller';
import { CreateScimGroupHandler } from './scim-groups/creating-group/create-group.command';
import { DeleteScimGroupHandler } from './scim-groups/deleting-group/delete-group.command';
import { GetScimGroupHandler } from './scim-groups/getting-group/get-group.query';
import { ListScimGroupsHandler } from './scim-groups/listing-groups/list-groups.query';
import { UpdateScimGroupHandler } from './scim-groups/updating-group/update-group.command';
import { GroupAnswers } from './scim-groups/group-answers';
import { GroupWrites } from './application/groups/group-writes';
import { ScimGroupsReadModel } from './application/reading/scim-groups.read-model';
import { CreateScimUserHandler } from './scim-users/creating-user/create-user.command';
import { DeleteScimUserHandler } from './scim-users/deleting-user/delete-user.command';
import { ExistingUserWrite } from './scim-users/existing-user-write';
import { GetScimUserHandler } from './scim-users/getting-user/get-user.query';
import { ListScimUsersHandler } from './scim-users/listing-users/list-users.query';
import { ExpensiveReads } from './application/reading/expensive-reads';
import { ScimUsersController } from './scim-users/scim-users.controller';
import { ScimUsersReadModel } from './application/reading/scim-users.read-model';
import { UsersReadModel } from './application/reading/users.read-model';
import { TenantsReadModel } from './application/reading/tenants.read-model';
import { AuditReadModel } from './application/reading/audit.read-model';
import { ProjectionFailuresReadModel } from './application/reading/projection-failures.read-model';
import { ScimWrite } from './http/scim-write';
import { UpdateScimUserHandler } from './scim-users/updating-user/update-user.command';
import { UserCommands } from './application/users/user-commands';
import { UserHistories } from './application/users/user-history';
import { MembershipChangesReadModel } from './application/reading/membership-changes.read-model';
import { IdpUserUpdate } from './application/users/idp-user-update';
import { UserStreams } from './application/users/user-streams';
import { APP_CONFIG, READ_MODEL } from './tokens';
import { EmailReservations } from './application/address-claims/email-reservations';
import { PermanentDeletion } from './application/provisioning/permanent-deletion';
import { TenantDeletion } from './application/provisioning/tenant-deletion';
import { Licences } from './application/provisioning/licences';
import { PreservedUserAutoDelete } from './application/provisioning/preserved-user-auto-delete';
import { UserCreation } from './application/provisioning/user-creation';
import { ProfileSeatsService } from './application/profile-seats/profile-seats.service';
import { ProvisioningRefusals } from './application/refusals/provisioning-refusals';
import { HealthController } from './operations/probes/health.controller';
import { MetricsController } from './operations/metrics/metrics.controller';
import { Readiness } from './operations/probes/readiness';
import { ProjectorLag } from './operations/projector-lag';
import { ReadModelHealthReadModel } from './application/reading/read-model-health.read-model';
import { isMetricsUrl, isProbeUrl } from './http/api-paths';

/** How often a write waiting for read-your-writes looks at an external projector's checkpoint. */
const CHECKPOINT_POLL_MS = 5;

export interface AppOverrides {
  readonly clock?: Clock;
  /** Where the logs go instead of stdout: tests read them to prove no personal data is written. */
  readonly logDestination?: { write(line: string): void };
  /** Tests only: a store between the backend and the sealing, e.g. one that appends stream by stream. */
  readonly eventStoreAround?: (backend: EventStore) => EventStore;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        PassportModule,
        TerminusModule.forRoot(),
        LoggerModule.forRoot({
          pinoHttp: withDestination(overrides.logDestination ?? standardOutput(), {
            level: config.logLevel,
            // A line per probe and per scrape would drown the requests that matter (issue 20, items 1 and 2).
            // The middleware layer (middie) may have cut the URL to what its mount left over; originalUrl is what was sent.
            autoLogging: { ignore: (request) => isQuietUrl((request as { originalUrl?: string }).originalUrl ?? request.url ?? '') },
            // Fastify already assigned the request id (X-Request-Id or a new UUID).
            genReqId: (request) => (request as unknown as { id: string }).id,
            customProps: (request) => requestLogTenant(request),
            // No tokens and no personal data in logs: the query string can hold a userName filter.
            serializers: {
              req: (request: { id: string; method: string; url: string }) => ({
                id: request.id,
                method: request.method,
                path: request.url.split('?')[0],
              }),
              res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
            },
          }),
          // pino-http's lines are at info: above it they would be dropped, yet each request would still get a child
          // logger and an AsyncLocalStorage scope, which in Node 20 hooks every promise: 12 % of a filtered GET's CPU
          // (bench/README.md). Warnings and errors name their request id themselves.
          forRoutes: logsRequests(config.logLevel) ? [{ path: '*', method: RequestMethod.ALL }] : [],
        }),
      ],
      controllers: [
        ScimUsersController,
        ScimDiscoveryController,
        ScimGroupsController,
        TenantsController,
        TenantConfigurationController,
        NotificationContactsController,
        AdminUsersController,
        AdminGroupsController,
        AuditController,
        ProjectionFailuresController,
        HealthController,
        MetricsController,
        ...(config.benchNoopRoute ? [BenchNoopController] : []),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Clock, useValue: overrides.clock ?? new SystemClock() },
        { provide: EVENT_STORE, useFactory: () => openEventStore(config.eventStore, personalFieldsOf, overrides.eventStoreAround) },
        { provide: PERSONAL_DATA_SHREDDER, useExisting: EVENT_STORE },
        { provide: READ_MODEL, useFactory: () => openReadModel(config.readModel) },
        {
          provide: ReadModelProjector,
          inject: [READ_MODEL, EVENT_STORE],
          useFactory: (dataSource: DataSource, eventStore: EventStore) => {
            const writeLock = config.readModel.type === 'sqlite' ? sqliteWriteLock(config.readModel.file) : undefined;
            return new ReadModelProjector(dataSource, eventStore, {
              writeLock,
              batchSize: config.projectorBatchSize,
              onSetAside: countSetAside,
              // Every api instance runs a projector; the lock lets one of them project at a time.
              lock: projectionLockFor(config.readModel, dataSource, { writeLock, timings: config.projectorLock }),
            });
          },
        },
        {
          provide: ReadModelFreshness,
          inject: [ReadModelProjector],
          useFactory: (projector: ReadModelProjector) => {
            const freshness = new ReadModelFreshness(() => projector.checkpoint(), CHECKPOINT_POLL_MS);
            projector.onAdvanced((position) => freshness.advancedTo(position));
            return freshness;
          },
        },
        ProjectorLifecycle,
        ScimTokens,
        ScimBearerStrategy,
        DecidedStreams,
        ReadYourWrites,
        TenantCommands,
        BootstrapTenant,
        ExpiryReminderEmails,
        ScimTokenReminders,
        OperatorStrategy,
        ApiCredentialStrategy,
        UserStreams,
        UserCommands,
        UserHistories,
        MembershipChangesReadModel,
        IdpUserUpdate,
        EmailReservations,
        ProfileSeatsService,
        ProvisioningRefusals,
        PermanentDeletion,
        TenantDeletion,
        Licences,
        PreservedUserAutoDelete,
        UserCreation,
        ScimWrite,
        ExistingUserWrite,
        ScimUsersReadModel,
        UsersReadModel,
        TenantsReadModel,
        AuditReadModel,
        ProjectionFailuresReadModel,
        ExpensiveReads,
        CreateScimUserHandler,
        UpdateScimUserHandler,
        DeleteScimUserHandler,
        GetScimUserHandler,
        ListScimUsersHandler,
        GroupWrites,
        GroupAnswers,
        ScimGroupsReadModel,
        CreateScimGroupHandler,
        UpdateScimGroupHandler,
        DeleteScimGroupHandler,
        GetScimGroupHandler,
        ListScimGroupsHandler,
        ProjectorLag,
        ReadModelHealthReadModel,
        Readiness,
      ],
    };
  }
}

function isQuietUrl(url: string): boolean {
  return isProbeUrl(url) || isMetricsUrl(url);
}

function logsRequests(level: string): boolean {
  return ['info', 'debug', 'trace'].includes(level);
}

function withDestination<T>(destination: { write(line: string): void }, options: T): [T, { write(line: string): void }] {
  return [options, destination];
}
