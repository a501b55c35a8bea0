import { fileURLToPath } from 'node:url';
import { functionArn } from '../../local-cloud/lambda-api/function-address.js';
import type { LocalCloud, LocalCloudOptions } from '../../local-cloud/local-cloud.js';
import { productTemplateWithContext } from '../../local-cloud/product-template.js';
import { startTestCloud } from './test-cloud.js';

/** The local ARN of the moderation function (the local cloud's account and region). */
export const MODERATION_ARN = functionArn('us-east-1', '123456789012', 'moderation');
export const MODERATION_FUNCTION_FILE = fileURLToPath(new URL('./moderation-function.mjs', import.meta.url));

/**
 * A test cloud of the product stack synthesized with `moderationFunctionArn` (and the other
 * moderation settings given), running test/support/moderation-function.mjs as that function.
 * The deadline is generous (this machine is shared and slow); the slow markers sleep well past it.
 */
export async function startModerationCloud(context: Record<string, string> = {}, options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const template = productTemplateWithContext({ moderationFunctionArn: MODERATION_ARN, moderationTimeoutMs: '4000', ...context });
  return startTestCloud({
    ...template,
    extraFunctions: [{ name: 'moderation', file: MODERATION_FUNCTION_FILE, timeoutSeconds: 15, environment: { SLOW_MS: '9000' } }],
    ...options,
  });
}

/** How often the moderation function ran. */
export const moderationCalls = (cloud: LocalCloud): number => cloud.lambda.stats().moderation?.invocations ?? 0;
