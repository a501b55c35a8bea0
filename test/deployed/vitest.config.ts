import { defineConfig } from 'vitest/config';

/**
 * `npm run test:deployed`: the smoke test against a deployed stack, without the local services
 * (no DynamoDB Local global setup). Needs IM_WS_URL and a signing key; see docs/deployment.md.
 */
export default defineConfig({
  test: {
    include: ['test/deployed/**/*.test.ts'],
    testTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
