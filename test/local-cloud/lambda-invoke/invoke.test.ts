import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../../local-cloud/local-cloud.js';
import { callVia, type FixtureStack, functionName, inlineFunction, SDK_CALLER_SOURCE, synthFixtureStack, testLambdaClient } from '../../support/fixture-stack.js';
import { startTestCloud } from '../../support/test-cloud.js';

/**
 * Functions calling other functions with the real @aws-sdk/client-lambda through
 * AWS_ENDPOINT_URL_LAMBDA: payloads, function errors, timeouts on both sides, throttling, Event
 * and DryRun invocations, a function given as a file (issue 17's moderation hook), and IAM.
 */

const MODERATION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:moderation';

let fixture: FixtureStack;
let cloud: LocalCloud;
let client: LambdaClient;
let moderationFolder: string;
const marker = () => `m${process.pid}${Math.random().toString(36).slice(2, 10)}`;
const logged = (text: string) => cloud.logs.filter((entry) => entry.line.includes(text)).length;

beforeAll(async () => {
  moderationFolder = mkdtempSync(path.join(tmpdir(), 'moderation-'));
  const moderationFile = path.join(moderationFolder, 'moderation.ts');
  // TypeScript on purpose: the local cloud bundles it as CDK would.
  writeFileSync(
    moderationFile,
    `const BLOCKED: readonly string[] = ['darn'];
export const handler = async (event: { body: string }) => {
  const hit = BLOCKED.find((word) => event.body.includes(word));
  return hit ? { verdict: 'deny', reason: 'word:' + hit, by: process.env.AWS_LAMBDA_FUNCTION_NAME } : { verdict: 'allow', by: process.env.AWS_LAMBDA_FUNCTION_NAME };
};
`,
  );

  fixture = synthFixtureStack('InvokeFixture', (stack) => {
    const echo = inlineFunction(
      stack,
      'Echo',
      'exports.handler = async (event, context) => ({ echo: event, requestId: context.awsRequestId, clientContext: context.clientContext === undefined ? null : context.clientContext });',
    );
    const thrower = inlineFunction(
      stack,
      'Thrower',
      "class ModerationError extends Error { constructor(m) { super(m); this.name = 'ModerationError'; } }\n" +
        "exports.handler = async (event) => { console.log('thrower invoked ' + (event.marker || '')); throw new ModerationError('boom'); };",
    );
    const slow = inlineFunction(
      stack,
      'Slow',
      "exports.handler = async (event) => { console.log('slow started ' + event.marker); await new Promise((r) => setTimeout(r, event.ms)); console.log('slow finished ' + event.marker); return 'done'; };",
    );
    const sleeper = inlineFunction(stack, 'Sleeper', 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 5000)); return 1; };', {
      timeout: Duration.seconds(1),
    });
    const reserved = inlineFunction(
      stack,
      'Reserved',
      "exports.handler = async (event) => { console.log('reserved started ' + event.marker); await new Promise((r) => setTimeout(r, 3000)); return 'ok'; };",
      { reservedConcurrentExecutions: 1 },
    );

    const caller = inlineFunction(stack, 'Caller', SDK_CALLER_SOURCE, { timeout: Duration.seconds(30) });
    for (const fn of [echo, thrower, slow, sleeper, reserved]) fn.grantInvoke(caller);
    // The moderation function is not in the template: the product's handlers name it by a setting's ARN.
    caller.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [MODERATION_ARN] }));

    // Granted the unqualified ARN of Echo only (no `:*`), nothing else.
    const outsider = inlineFunction(stack, 'Outsider', SDK_CALLER_SOURCE);
    outsider.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [echo.functionArn] }));
  });
  cloud = await startTestCloud({
    templatePath: fixture.templatePath,
    assetsDir: fixture.assetsDir,
    extraFunctions: [{ name: 'moderation', file: moderationFile, timeoutSeconds: 2 }],
    lambdaEventRetryDelaysMs: [50, 50],
  });
  client = testLambdaClient(cloud);
});

afterAll(async () => {
  client?.destroy();
  await cloud?.stop();
  fixture?.remove();
  if (moderationFolder) rmSync(moderationFolder, { recursive: true, force: true });
});

const invoke = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  callVia(client, cloud, 'Caller', { service: 'lambda', command: 'InvokeCommand', input, ...extra });

describe('RequestResponse', () => {
  it('returns the function result as the payload, with status 200 and the executed version', async () => {
    const result = await invoke({ FunctionName: functionName(cloud, 'Echo'), Payload: { hello: 'world', n: 1 }, ClientContext: Buffer.from(JSON.stringify({ custom: { app: 'im' } })).toString('base64') });
    expect(result.ok).toBe(true);
    expect(result.status).toBe(200);
    expect(result.output?.StatusCode).toBe(200);
    expect(result.output?.ExecutedVersion).toBe('$LATEST');
    expect(result.output?.FunctionError).toBeUndefined();
    const payload = JSON.parse(result.output!.Payload!);
    expect(payload.echo).toEqual({ hello: 'world', n: 1 });
    expect(payload.clientContext).toEqual({ custom: { app: 'im' } });
    expect(payload.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('takes the function by name, full ARN, partial ARN and $LATEST qualifier', async () => {
    const echo = cloud.model.functions.find((fn) => fn.logicalId.startsWith('Echo'))!;
    for (const FunctionName of [echo.name, echo.arn, `123456789012:function:${echo.name}`, `${echo.arn}:$LATEST`]) {
      const result = await invoke({ FunctionName, Payload: { via: FunctionName } });
      expect(result.ok, FunctionName).toBe(true);
      expect(JSON.parse(result.output!.Payload!).echo).toEqual({ via: FunctionName });
    }
  });

  it('a handler that throws: status 200, FunctionError Unhandled, the error type, message and trace in the payload', async () => {
    const result = await invoke({ FunctionName: functionName(cloud, 'Thrower'), Payload: {} });
    expect(result.ok).toBe(true);
    expect(result.output?.StatusCode).toBe(200);
    expect(result.output?.FunctionError).toBe('Unhandled');
    const payload = JSON.parse(result.output!.Payload!);
    expect(payload).toMatchObject({ errorType: 'ModerationError', errorMessage: 'boom' });
    expect(payload.trace[0]).toBe('ModerationError: boom');
  });

  it('a function past its own timeout: FunctionError Unhandled with Sandbox.Timedout', async () => {
    const result = await invoke({ FunctionName: functionName(cloud, 'Sleeper') });
    expect(result.output?.FunctionError).toBe('Unhandled');
    const payload = JSON.parse(result.output!.Payload!);
    expect(payload.errorType).toBe('Sandbox.Timedout');
    expect(payload.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/);
  });

  it('an unknown function, an unknown qualifier and another region are ResourceNotFoundException (404)', async () => {
    // The test's own client: a function's role would need a grant on the missing function first (see IAM).
    const failure = (input: { FunctionName: string; Qualifier?: string }) =>
      client.send(new InvokeCommand(input)).then(
        () => undefined,
        (error: Error & { $metadata: { httpStatusCode?: number } }) => ({ name: error.name, message: error.message, status: error.$metadata.httpStatusCode }),
      );
    expect(await failure({ FunctionName: 'no-such-function' })).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:no-such-function',
    });
    const echo = cloud.model.functions.find((fn) => fn.logicalId.startsWith('Echo'))!;
    expect(await failure({ FunctionName: echo.name, Qualifier: 'prod' })).toMatchObject({ name: 'ResourceNotFoundException', message: `Function not found: ${echo.arn}:prod` });
    expect(await failure({ FunctionName: `arn:aws:lambda:eu-west-1:123456789012:function:${echo.name}` })).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
    });
  });

  it('refuses a payload that is not JSON and a malformed name, before running anything', async () => {
    const notJson = await client.send(new InvokeCommand({ FunctionName: functionName(cloud, 'Echo'), Payload: Buffer.from('{not json') })).catch((error: Error) => error);
    expect((notJson as Error).name).toBe('InvalidRequestContentException');
    const badName = await invoke({ FunctionName: 'has spaces' });
    expect(badName.error?.name).toBe('ValidationException');
  });
});

describe('timeouts on the caller side', () => {
  it('a caller that aborts gives up with its own error while the function runs to the end', async () => {
    const id = marker();
    const result = await invoke({ FunctionName: functionName(cloud, 'Slow'), Payload: { ms: 1500, marker: id } }, { abortAfterMs: 200, clientConfig: { maxAttempts: 1 } });
    expect(result.ok).toBe(false);
    expect(result.error?.name).toMatch(/AbortError|TimeoutError/);
    // On AWS too the invocation is not cancelled by the caller leaving.
    await expect.poll(() => logged(`slow finished ${id}`), { timeout: 20_000 }).toBe(1);
  });

  it('a requestTimeout alone only warns in this SDK generation: the caller waits for the answer', async () => {
    const id = marker();
    const result = await invoke({ FunctionName: functionName(cloud, 'Slow'), Payload: { ms: 1500, marker: id } }, { clientConfig: { requestHandler: { requestTimeout: 200 } } });
    expect(result.ok).toBe(true);
    expect(result.output?.Payload).toBe('"done"');
    expect(cloud.logs.some((entry) => entry.line.includes('exceeded the configured 200 ms requestTimeout'))).toBe(true);
  });

  it('with throwOnRequestTimeout and the SDK default retries, each attempt invokes the function again', async () => {
    const id = marker();
    const result = await invoke(
      { FunctionName: functionName(cloud, 'Slow'), Payload: { ms: 1500, marker: id } },
      { clientConfig: { requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true } } },
    );
    expect(result.ok).toBe(false);
    expect(result.error?.name).toBe('TimeoutError');
    expect(result.error?.attempts).toBe(3);
    await expect.poll(() => logged(`slow finished ${id}`), { timeout: 20_000 }).toBe(3);
  });
});

describe('Event, DryRun and throttling', () => {
  it('Event answers 202 at once and runs the function in the background', async () => {
    const id = marker();
    const result = await invoke({ FunctionName: functionName(cloud, 'Slow'), InvocationType: 'Event', Payload: { ms: 10, marker: id } });
    expect(result.output?.StatusCode).toBe(202);
    expect(result.output?.Payload ?? '').toBe('');
    await expect.poll(() => logged(`slow finished ${id}`), { timeout: 20_000 }).toBe(1);
  });

  it('an Event invocation that fails is retried twice, as Lambda does', async () => {
    const id = marker();
    const result = await invoke({ FunctionName: functionName(cloud, 'Thrower'), InvocationType: 'Event', Payload: { marker: id } });
    expect(result.output?.StatusCode).toBe(202);
    await expect.poll(() => logged(`thrower invoked ${id}`), { timeout: 20_000 }).toBe(3);
    await expect.poll(() => cloud.lambdaApi.pendingEvents, { timeout: 20_000 }).toBe(0);
    expect(logged(`thrower invoked ${id}`)).toBe(3);
  });

  it('DryRun checks the call and answers 204 without running the function', async () => {
    const before = cloud.lambda.stats()[functionName(cloud, 'Echo')]?.invocations ?? 0;
    const result = await invoke({ FunctionName: functionName(cloud, 'Echo'), InvocationType: 'DryRun' });
    expect(result.output?.StatusCode).toBe(204);
    expect(cloud.lambda.stats()[functionName(cloud, 'Echo')]?.invocations ?? 0).toBe(before);
  });

  it('beyond its reserved concurrency a synchronous call is throttled with TooManyRequestsException', async () => {
    const id = marker();
    const first = invoke({ FunctionName: functionName(cloud, 'Reserved'), Payload: { marker: id } });
    await expect.poll(() => logged(`reserved started ${id}`), { timeout: 20_000 }).toBe(1);
    const second = await invoke({ FunctionName: functionName(cloud, 'Reserved'), Payload: { marker: id } }, { clientConfig: { maxAttempts: 1 } });
    expect(second.error).toMatchObject({ name: 'TooManyRequestsException', status: 429, reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    expect((await first).output?.StatusCode).toBe(200);
  });
});

describe('a function given as a file (issue 17 moderation hook)', () => {
  it('is invokable by its local ARN through the same API, with its own environment', async () => {
    const denied = await invoke({ FunctionName: MODERATION_ARN, Payload: { body: 'well darn it' } });
    expect(JSON.parse(denied.output!.Payload!)).toEqual({ verdict: 'deny', reason: 'word:darn', by: 'moderation' });
    const allowed = await invoke({ FunctionName: 'moderation', Payload: { body: 'hello' } });
    expect(JSON.parse(allowed.output!.Payload!)).toEqual({ verdict: 'allow', by: 'moderation' });
  });

  it('is refused to a caller whose policy does not name it', async () => {
    const result = await callVia(client, cloud, 'Outsider', { service: 'lambda', command: 'InvokeCommand', input: { FunctionName: MODERATION_ARN, Payload: {} } });
    expect(result.error).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(result.error?.message).toContain(`is not authorized to perform: lambda:InvokeFunction on resource: ${MODERATION_ARN} because no identity-based policy allows the lambda:InvokeFunction action`);
  });
});

describe('IAM', () => {
  const outsider = (input: Record<string, unknown>) => callVia(client, cloud, 'Outsider', { service: 'lambda', command: 'InvokeCommand', input });

  it('allows what the role names and refuses the rest with AccessDeniedException, before looking the function up', async () => {
    const echo = cloud.model.functions.find((fn) => fn.logicalId.startsWith('Echo'))!;
    expect((await outsider({ FunctionName: echo.name, Payload: { a: 1 } })).ok).toBe(true);

    const thrower = cloud.model.functions.find((fn) => fn.logicalId.startsWith('Thrower'))!;
    const refused = await outsider({ FunctionName: thrower.name });
    expect(refused.error).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    const principal = cloud.iam!.principal(functionName(cloud, 'Outsider'));
    expect(refused.error?.message).toBe(
      `User: ${principal.principalArn} is not authorized to perform: lambda:InvokeFunction on resource: ${thrower.arn} because no identity-based policy allows the lambda:InvokeFunction action`,
    );
    // IAM answers first: an outsider cannot tell a missing function from a forbidden one.
    expect((await outsider({ FunctionName: 'no-such-function' })).error?.name).toBe('AccessDeniedException');
  });

  it('checks a qualified call against the qualified ARN (a grant without `:*` does not cover it)', async () => {
    const echo = cloud.model.functions.find((fn) => fn.logicalId.startsWith('Echo'))!;
    const refused = await outsider({ FunctionName: echo.name, Qualifier: '$LATEST' });
    expect(refused.error?.name).toBe('AccessDeniedException');
    expect(refused.error?.message).toContain(`on resource: ${echo.arn}:$LATEST `);
    // grantInvoke (the Caller's grant) names both the function and `function:*`.
    expect((await invoke({ FunctionName: echo.name, Qualifier: '$LATEST' })).ok).toBe(true);
  });
});
