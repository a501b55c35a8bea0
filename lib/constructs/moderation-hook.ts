import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ModerationConfig } from '../config.js';

/**
 * The moderation hook (docs/moderation.md): the functions that store a message or an edit (the
 * `send` and `edit` functions, the server API's POST /v1/messages) learn the company's function
 * and its settings, and may invoke exactly that function, nothing else. A function in another
 * account also needs a resource policy of its own allowing these roles (docs/deployment.md).
 */
export function addModerationHook(config: ModerationConfig, functions: readonly LambdaFunction[]): void {
  for (const fn of functions) {
    fn.addEnvironment('MODERATION_FUNCTION_ARN', config.functionArn);
    fn.addEnvironment('MODERATION_TIMEOUT_MS', String(config.timeoutMs));
    fn.addEnvironment('MODERATION_FALLBACK', config.fallback);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [config.functionArn] }));
  }
}
