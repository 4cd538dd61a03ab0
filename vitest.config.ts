import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts moto_server and Prometheus once for every integration test, stops them by PID after.
    globalSetup: ['test/global-setup.ts'],
    // Two cores: two workers keep integration tests from starving the servers they talk to.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
