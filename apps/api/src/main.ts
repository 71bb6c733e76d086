import 'reflect-metadata';
import { loadConfig, startUpFailureLine } from '@scim-ledger/platform';
import { BootstrapApiCredential, BootstrapTenant } from './application/tenants/bootstrap-tenant';
import { createApp } from './create-app';
import { standardOutput } from './standard-output';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  // Listening first: a port that is taken stops start-up before a secret is generated that nobody would ever see
  // (the attack on issue 20, finding 23); until the tenant is made, its IdP's requests are answered 401.
  await app.listen({ port: config.port, host: config.host });
  const bootstrapTenant = app.get(BootstrapTenant);
  const bootstrap = await bootstrapTenant.ensure(config.bootstrapTenant, config.bootstrapToken);
  const apiCredential = await bootstrapTenant.ensureApiCredential(config.bootstrapTenant, config.bootstrapApiSecret);
  const base = config.publicBaseUrl ?? `http://localhost:${config.port}`;
  const lines = [
    '',
    `scim-ledger is serving SCIM 2.0 for tenant "${config.bootstrapTenant}"`,
    `  SCIM base URL : ${base}/scim/v2   (alias ${base}/insync/scim)`,
    // A chosen token is the operator's already: printing it would put a live credential in every start's logs.
    config.bootstrapToken && bootstrap.token
      ? `  Bearer token  : from SCIM_BOOTSTRAP_TOKEN   (valid until ${bootstrap.expiresAt})`
      : bootstrap.token
        ? `  Bearer token  : ${bootstrap.token}   (shown once; valid until ${bootstrap.expiresAt})`
        : `  Bearer token  : issued earlier and stored only as a hash; set SCIM_BOOTSTRAP_TOKEN to choose one`,
    ...apiCredentialLines(apiCredential, base),
    `  Storage       : events in ${config.eventStore.type}, read model in ${config.readModel.type}${
      config.eventStore.type === 'sqlite' ? ` (${config.eventStore.file})` : ''
    }`,
    '',
  ];
  // Through the logs' own stream: what start-up logged goes out first, and the banner is the last of it.
  standardOutput().write(lines.join('\n') + '\n');
}

/** What the admin API needs (its users, history and audit), beside what the IdP needs. */
function apiCredentialLines(credential: BootstrapApiCredential, base: string): string[] {
  switch (credential.status) {
    case 'issued':
      return [
        `  Admin API     : ${base}/admin/v1   (Swagger UI at ${base}/admin/docs)`,
        `    client id   : ${credential.clientId}`,
        `    secret      : ${credential.secret}   (shown once; set SCIM_BOOTSTRAP_API_SECRET to choose one)`,
      ];
    case 'chosen':
      return [`  Admin API     : ${base}/admin/v1   client id ${credential.clientId}, secret from SCIM_BOOTSTRAP_API_SECRET`];
    case 'earlier':
      return [
        `  Admin API     : ${base}/admin/v1   credential issued earlier; a lost one: set SCIM_BOOTSTRAP_API_SECRET, or the operator issues a recovery credential`,
      ];
    case 'none':
      return [];
    default: {
      const unknown: never = credential;
      throw new Error(`unknown credential ${JSON.stringify(unknown)}`);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${startUpFailureLine('scim-ledger api', error)}\n`);
  process.exit(1);
});
