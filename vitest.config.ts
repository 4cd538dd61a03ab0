import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Test files that talk to the local AWS endpoint: they call useLocalAws() (test/aws-env.ts) or read
 * inject('awsEndpoint'). They run twice, once against moto_server and once against LocalStack.
 */
function awsTestFiles(dir = 'test'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return awsTestFiles(path);
    if (!entry.name.endsWith('.test.ts')) return [];
    const text = readFileSync(path, 'utf8');
    return /useLocalAws\(|inject\('awsEndpoint'\)/.test(text) ? [path] : [];
  });
}

/** Tests that need LocalStack itself (deploying the stack with cdklocal): only in the localstack project. */
const LOCALSTACK_ONLY = 'test/localstack/**/*.test.ts';

export default defineConfig({
  test: {
    // Two cores: two workers keep integration tests from starving the servers they talk to.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          // Every test; the AWS ones against moto_server. Starts moto_server and Prometheus, stops them by PID after.
          name: 'moto',
          include: ['test/**/*.test.ts'],
          exclude: [LOCALSTACK_ONLY, '**/node_modules/**'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The AWS tests again, against LocalStack (a host process), plus the stack deployed into it.
          name: 'localstack',
          include: [...awsTestFiles(), LOCALSTACK_ONLY],
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
