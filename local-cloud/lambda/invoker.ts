/**
 * How the local cloud calls a Lambda function: the gateway and the SQS event-source mapping
 * depend on this interface only, so they can be tested with plain functions in place of the
 * worker-thread runtime.
 */
export interface FunctionInvoker {
  /**
   * Invokes a function synchronously (RequestResponse) and resolves with its result.
   * Rejects with a `FunctionError` when the handler throws, times out or crashes.
   */
  invoke(functionName: string, event: unknown): Promise<unknown>;
}

/** The function ran and failed: what Lambda reports as a function error (`X-Amz-Function-Error`). */
export class FunctionError extends Error {
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
    /** The handler's stack trace, one line per entry, as Lambda reports it in `trace`. */
    readonly trace?: string[],
  ) {
    super(message);
    this.name = 'FunctionError';
  }
}

/** What a caller of the Lambda API can pass along with an event (see lambda-api/). */
export interface InvocationOptions {
  /** The request id the handler sees as `context.awsRequestId`. */
  requestId?: string;
  /** The decoded `X-Amz-Client-Context`, seen as `context.clientContext`. */
  clientContext?: unknown;
}
