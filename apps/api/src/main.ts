import 'reflect-metadata';
import { ConfigError, loadConfig } from '@scim-ledger/platform';
import { BootstrapTenant } from './application/tenants/bootstrap-tenant';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  const bootstrap = await app.get(BootstrapTenant).ensure(config.bootstrapTenant, config.bootstrapToken);
  await app.listen({ port: config.port, host: config.host });
  const base = config.publicBaseUrl ?? `http://localhost:${config.port}`;
  const lines = [
    '',
    `scim-ledger is serving SCIM 2.0 for tenant "${config.bootstrapTenant}"`,
    `  SCIM base URL : ${base}/scim/v2   (alias ${base}/insync/scim)`,
    bootstrap.token
      ? `  Bearer token  : ${bootstrap.token}   (shown once; valid until ${bootstrap.expiresAt})`
      : `  Bearer token  : issued earlier and stored only as a hash; set SCIM_BOOTSTRAP_TOKEN to choose one`,
    `  Storage       : events in ${config.eventStore.type}, read model in ${config.readModel.type}${
      config.eventStore.type === 'sqlite' ? ` (${config.eventStore.file})` : ''
    }`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? 'configuration error: ' : ''}${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
