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
  // The SQS emulator's units; its event-source mapping suites wait out real visibility timeouts
  // and stay in the integration project.
  'test/local-cloud/sqs/{create-queues,fifo-dedup,fifo-groups,sqs-event,sqs-server,visibility-change}.test.ts',
  'test/local-cloud/template/**/*.test.ts',
  'test/local-cloud/iam/evaluate.test.ts',
  'test/local-cloud/iam/template-policies.test.ts',
];

/**
 * Suites that keep both cores busy on their own (thousands of fan-out writes into DynamoDB Local).
 * Next to another such suite on a 2-core machine each one slowed fivefold and ran into its hang
 * guards, so they run one at a time after everything else, with a DynamoDB Local of their own.
 */
const HEAVY = ['test/integration/large-groups.test.ts', 'test/integration/groups.test.ts', 'test/reliability/send-faults.test.ts'];

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
      // No isolation: the unit suites keep no global state (fake timers are restored), and loading
      // vitest and the sources once per worker instead of once per file halves the time.
      { extends: true, test: { name: 'unit', include: UNIT, isolate: false } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...UNIT, ...HEAVY],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'heavy',
          include: HEAVY,
          globalSetup: ['test/support/global-setup.ts'],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
