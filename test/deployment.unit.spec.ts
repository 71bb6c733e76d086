import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Issue 20, item 8: the deployment is safe as shipped. No Docker engine or
 * compose binary runs here (.ci/run validates the file with docker-compose
 * when it can install it), so the shipped files are read as data and their
 * properties asserted: no default secret, health checks and restart policies
 * everywhere, the event store and its keys unreachable from outside, a
 * supported Node.js run as a non-root user with production packages only.
 */
const ROOT = join(__dirname, '..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { environment?: Record<string, string>; ports?: string[]; healthcheck?: { test: string[] }; restart?: string }>;
};
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

const SECRETS = ['SCIM_BOOTSTRAP_TOKEN', 'SCIM_BOOTSTRAP_API_SECRET', 'ADMIN_OPERATOR_TOKEN', 'POSTGRES_PASSWORD'];

describe('docker-compose.yml as shipped', () => {
  const services = Object.entries(compose.services);

  it('given the secrets, then each is required from the environment, with no default to fall back on', () => {
    const values = services.flatMap(([, service]) => Object.values(service.environment ?? {}).map(String));
    for (const secret of SECRETS) {
      const uses = values.filter((value) => value.includes(secret));
      expect(uses.length).toBeGreaterThan(0);
      // `${X:?message}` stops `docker compose up` when X is unset or empty; `${X:-default}` would not.
      for (const use of uses) expect(use).toMatch(new RegExp(`\\$\\{${secret}:\\?[^}]+\\}`));
    }
    expect(JSON.stringify(compose)).not.toMatch(/change-me|:-[^}]*token/i);
  });

  it('given every service, then it has a health check and restarts unless stopped', () => {
    expect(services.map(([name]) => name).sort()).toEqual(['api', 'eventstoredb', 'postgres', 'projector']);
    for (const [, service] of services) {
      expect(service.healthcheck?.test.length).toBeGreaterThan(0);
      expect(service.restart).toBe('unless-stopped');
    }
  });

  it('given the api, then its health check asks the readiness probe', () => {
    expect(compose.services.api.healthcheck!.test.join(' ')).toContain('/health/ready');
  });

  it('given EventStoreDB and PostgreSQL, then neither publishes a port: events and personal-data keys stay on the compose network', () => {
    expect(compose.services.eventstoredb.ports).toBeUndefined();
    expect(compose.services.postgres.ports).toBeUndefined();
    expect(compose.services.eventstoredb.environment).not.toHaveProperty('EVENTSTORE_ENABLE_ATOM_PUB_OVER_HTTP');
    expect(services.filter(([, service]) => service.ports !== undefined).map(([name]) => name)).toEqual(['api']);
  });
});

describe('Dockerfile as shipped', () => {
  const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);

  it('given its base images, then each is a current LTS Node.js, not 20 (end of life)', () => {
    expect(stages.length).toBeGreaterThan(0);
    for (const image of stages.filter((stage) => stage.startsWith('node:'))) expect(image).toMatch(/^node:(24|26)-/);
    expect(stages.filter((stage) => stage.startsWith('node:'))).toHaveLength(2);
  });

  it('given the image that runs, then it runs as a non-root user with production packages only', () => {
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(final).toMatch(/^USER node$/m);
    expect(final).not.toMatch(/npm (ci|install)/);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(final).toContain('--from=production-dependencies /app/node_modules');
    // The embedded default's data directory belongs to the user that runs, before it takes over.
    expect(final.indexOf('chown node:node /app/data')).toBeGreaterThan(-1);
    expect(final.indexOf('chown node:node /app/data')).toBeLessThan(final.indexOf('USER node'));
  });
});

describe('package.json', () => {
  it('given the production dependencies, then no test-only package is among them', () => {
    for (const testOnly of ['smtp-server', 'supertest', 'jest', 'yaml', '@stryker-mutator/core']) expect(pkg.dependencies).not.toHaveProperty(testOnly);
  });
});
