// @ts-check
// Runs inside one worker thread: one Lambda execution environment. It imports the function's
// bundled module once (the cold start), then handles one invocation at a time, as Lambda does.
// Plain JavaScript because worker threads load it without the TypeScript loader.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ modulePath: string; handlerExport: string; functionName: string; functionArn: string; memoryMb: number; logGroupName: string; faultsArmed: boolean }} */
const setup = workerData;
if (!parentPort) throw new Error('worker-entry.mjs must run in a worker thread');
const port = parentPort;

// Test-only fault injection (local-cloud/lambda/fault-plan.ts). The functions' checkpoints call
// this hook when it exists; while no fault is armed it returns at once.
let faultsArmed = setup.faultsArmed;
let nextCheckpointId = 1;
/** @type {Map<number, (verdict: string) => void>} */
const pendingCheckpoints = new Map();
/** @type {any} */ (globalThis).__LOCAL_CLOUD_CHECKPOINT__ = async (/** @type {string} */ step, /** @type {Record<string, unknown>} */ detail = {}) => {
  if (!faultsArmed) return;
  const id = nextCheckpointId++;
  const verdict = await new Promise((resolve) => {
    pendingCheckpoints.set(id, resolve);
    port.postMessage({ type: 'checkpoint', id, step, detail });
  });
  if (verdict === 'throw') {
    const error = new Error(`injected fault at ${step}`);
    error.name = 'InjectedFault';
    throw error;
  }
  // A killed execution environment: nothing after this line runs, as when Lambda stops one.
  if (verdict === 'crash') process.exit(137);
};

/** @param {unknown} error */
const describe = (error) => {
  const e = /** @type {{ name?: unknown; message?: unknown; stack?: unknown }} */ (error ?? {});
  return {
    errorType: typeof e.name === 'string' ? e.name : 'Error',
    errorMessage: typeof e.message === 'string' ? e.message : String(error),
    stack: typeof e.stack === 'string' ? e.stack : undefined,
  };
};

const handlerReady = import(pathToFileURL(setup.modulePath).href).then((module) => {
  const handler = module[setup.handlerExport];
  if (typeof handler !== 'function') {
    const error = new Error(`${setup.modulePath} does not export a function named ${setup.handlerExport}`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return /** @type {(event: unknown, context: unknown) => Promise<unknown>} */ (handler);
});

port.on('message', async (/** @type {any} */ message) => {
  if (message.type === 'faults') {
    faultsArmed = message.armed;
    return;
  }
  if (message.type === 'verdict') {
    pendingCheckpoints.get(message.id)?.(message.verdict);
    pendingCheckpoints.delete(message.id);
    return;
  }
  const { invocationId, event, timeoutMs } = message;
  let handler;
  try {
    handler = await handlerReady;
  } catch (error) {
    // A failed init fails the invocation and the environment is discarded, as in Lambda.
    port.postMessage({ invocationId, ok: false, initError: true, ...describe(error) });
    return;
  }
  // Lambda's timeout covers the invocation, not the module's initialization before it.
  const deadline = Date.now() + timeoutMs;
  port.postMessage({ type: 'started', invocationId });
  const context = {
    awsRequestId: message.requestId ?? randomUUID(),
    functionName: setup.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: setup.functionArn,
    memoryLimitInMB: String(setup.memoryMb),
    logGroupName: setup.logGroupName,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // Set only when the caller of Invoke sent `X-Amz-Client-Context`, as in Lambda.
    ...(message.clientContext !== undefined ? { clientContext: message.clientContext } : {}),
  };
  try {
    const result = await handler(event, context);
    // Lambda returns the JSON serialization of the result, not the object itself.
    const serialized = result === undefined ? null : JSON.parse(JSON.stringify(result));
    port.postMessage({ invocationId, ok: true, result: serialized });
  } catch (error) {
    port.postMessage({ invocationId, ok: false, ...describe(error) });
  }
});
