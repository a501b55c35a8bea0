import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'client/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests run real services (DynamoDB Local, worker-thread Lambdas): timeouts are
    // generous bounds against hangs, never performance assertions.
    testTimeout: 90_000,
    hookTimeout: 180_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxWorkers: 2,
  },
});
