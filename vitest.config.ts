import { defineConfig } from 'vitest/config';

/**
 * The unit tier (`npm run test:unit`): suites that need no DynamoDB Local and no local cloud, so
 * they run in seconds. Everything else (a new folder included) is in the integration project,
 * which starts one DynamoDB Local for the run.
 */
const UNIT = [
  'test/unit/**/*.test.ts',
  'test/infrastructure/**/*.test.ts',
  'client/**/*.test.ts',
  'test/local-cloud/gateway/**/*.test.ts',
  'test/local-cloud/sqs/**/*.test.ts',
  'test/local-cloud/template/**/*.test.ts',
  'test/local-cloud/iam/evaluate.test.ts',
  'test/local-cloud/iam/template-policies.test.ts',
];

export default defineConfig({
  test: {
    // Integration tests run real services (DynamoDB Local, worker-thread Lambdas): timeouts are
    // generous bounds against hangs, never performance assertions.
    testTimeout: 90_000,
    hookTimeout: 180_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...UNIT],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
