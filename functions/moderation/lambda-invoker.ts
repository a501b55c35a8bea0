import type { LambdaClient } from '@aws-sdk/client-lambda';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { ModerationInvoker } from './moderate.js';

/** The moderation function answered with a function error (it threw, timed out or crashed). */
export class ModerationFunctionError extends Error {
  constructor(errorType: string, detail: string) {
    super(`the moderation function failed (${errorType}): ${detail}`);
    this.name = 'ModerationFunctionError';
  }
}

/**
 * The moderation invoker of the stack: a synchronous `Invoke` of the function, aborted by the
 * deadline's signal. The client must be made with `maxAttempts: 1`: the SDK would otherwise retry
 * a timed-out or throttled call, invoking the function again inside the same deadline.
 */
export function lambdaInvoker(client: LambdaClient, functionArn: string): ModerationInvoker {
  return async (request, signal) => {
    const output = await client.send(new InvokeCommand({ FunctionName: functionArn, Payload: JSON.stringify(request) }), { abortSignal: signal });
    const text = output.Payload ? new TextDecoder().decode(output.Payload) : 'null';
    if (output.FunctionError) throw new ModerationFunctionError(output.FunctionError, text.slice(0, 500));
    return JSON.parse(text) as unknown;
  };
}
