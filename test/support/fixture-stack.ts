import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Code, Function as LambdaFunction, type FunctionProps, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';

/**
 * A small CDK stack of the test's own, synthesized in-process into a temporary folder and run by
 * the local cloud like the product stack: for local-cloud features the product stack does not
 * use yet. Functions have inline code (CommonJS `index.js`, with the AWS SDK v3 the Lambda
 * runtime provides). The local cloud runs one WebSocket API per stack, so the fixture has a
 * minimal one.
 */
export interface FixtureStack {
  templatePath: string;
  assetsDir: string;
  remove(): void;
}

export function synthFixtureStack(stackName: string, build: (stack: Stack) => void): FixtureStack {
  const outdir = mkdtempSync(path.join(tmpdir(), `${stackName}-`));
  // Asset metadata tells the local cloud where a CDK asset's code is (the CLI sets it; in-process synth does not).
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, stackName);
  const connect = inlineFunction(stack, 'Connect', 'exports.handler = async () => ({ statusCode: 200 });');
  const api = new WebSocketApi(stack, 'Api', { connectRouteOptions: { integration: new WebSocketLambdaIntegration('ConnectIntegration', connect) } });
  new WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'dev', autoDeploy: true });
  build(stack);
  app.synth();
  return { templatePath: path.join(outdir, `${stackName}.template.json`), assetsDir: outdir, remove: () => rmSync(outdir, { recursive: true, force: true }) };
}

export function inlineFunction(stack: Stack, id: string, source: string, props: Partial<FunctionProps> = {}): LambdaFunction {
  return new LambdaFunction(stack, id, {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline(source),
    timeout: Duration.seconds(10),
    ...props,
  });
}

/**
 * A function that makes one AWS SDK call of the event's choosing with its own role and answers
 * what the SDK returned or threw, so a test can see a call exactly as a handler's SDK sees it:
 * `{service: 'sns'|'lambda', command: 'PublishCommand', input, clientConfig?, abortAfterMs?}`.
 * An Invoke's `Payload` goes in as JSON and comes back as text.
 */
export const SDK_CALLER_SOURCE = `
const sdks = { sns: require('@aws-sdk/client-sns'), lambda: require('@aws-sdk/client-lambda') };
exports.handler = async (event) => {
  const sdk = sdks[event.service];
  const client = new (event.service === 'sns' ? sdk.SNSClient : sdk.LambdaClient)(event.clientConfig || {});
  const input = { ...event.input };
  if (input.Payload !== undefined) input.Payload = typeof input.Payload === 'string' ? input.Payload : JSON.stringify(input.Payload);
  try {
    const options = event.abortAfterMs ? { abortSignal: AbortSignal.timeout(event.abortAfterMs) } : undefined;
    const { $metadata, ...output } = await client.send(new sdk[event.command](input), options);
    if (output.Payload != null) output.Payload = Buffer.from(output.Payload).toString('utf8');
    return { ok: true, status: $metadata.httpStatusCode, output };
  } catch (error) {
    const metadata = error.$metadata || {};
    return { ok: false, error: { name: error.name, message: error.message, status: metadata.httpStatusCode, attempts: metadata.attempts, reason: error.Reason } };
  } finally {
    client.destroy();
  }
};
`;

export interface SdkCallResult {
  ok: boolean;
  status?: number;
  output?: Record<string, unknown> & { Payload?: string };
  error?: { name: string; message: string; status?: number; attempts?: number; reason?: string };
}

/** The physical name of the fixture's function whose logical id starts with `logicalIdPrefix`. */
export function functionName(cloud: LocalCloud, logicalIdPrefix: string): string {
  const fn = cloud.model.functions.find((candidate) => candidate.logicalId.startsWith(logicalIdPrefix));
  if (!fn) throw new Error(`no function ${logicalIdPrefix}* in the fixture`);
  return fn.name;
}

/** The test's own Lambda client (its calls are not IAM-checked: it is not a function of the stack). */
export function testLambdaClient(cloud: LocalCloud): LambdaClient {
  return new LambdaClient({ endpoint: cloud.lambdaEndpoint, region: cloud.model.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

/** Has the SDK-caller function `callerPrefix` make one call, and answers what its SDK saw. */
export async function callVia(client: LambdaClient, cloud: LocalCloud, callerPrefix: string, call: Record<string, unknown>): Promise<SdkCallResult> {
  const reply = await client.send(new InvokeCommand({ FunctionName: functionName(cloud, callerPrefix), Payload: JSON.stringify(call) }));
  const text = Buffer.from(reply.Payload ?? new Uint8Array()).toString('utf8');
  if (reply.FunctionError) throw new Error(`the caller function failed: ${text}`);
  return JSON.parse(text) as SdkCallResult;
}
