import { parseArgs } from 'node:util';
import { externalEndpointsFromEnv } from './endpoints-from-env.js';
import { parseExtraFunctionArguments } from './lambda-api/extra-functions.js';
import { functionArn } from './lambda-api/function-address.js';
import { startLocalCloud } from './local-cloud.js';
import { productTemplateWithContext } from './product-template.js';
import { webChatHandler } from '../web/serve-web.js';

/** `npm start`: the whole stack on this machine, offline, until Ctrl-C. */
const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    template: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    // NAME=FILE[#EXPORT]: a function the stack calls by ARN that is not in the template.
    function: { type: 'string', multiple: true },
    // KEY=VALUE: a deployment setting (CDK context), as `cdk deploy -c KEY=VALUE` takes it.
    context: { type: 'string', short: 'c', multiple: true },
    // FILE[#EXPORT]: the moderation function (docs/moderation.md), run as `moderation` and named by moderationFunctionArn.
    moderation: { type: 'string' },
  },
});
const extraFunctions = parseExtraFunctionArguments([...(values.function ?? []), ...(process.env.LOCAL_CLOUD_FUNCTIONS ? [process.env.LOCAL_CLOUD_FUNCTIONS] : [])]);
const context: Record<string, string> = {};
for (const entry of values.context ?? []) {
  const match = /^([^=]+)=(.*)$/.exec(entry);
  if (!match) throw new Error(`-c ${entry}: expected KEY=VALUE`);
  context[match[1]!.trim()] = match[2]!.trim();
}
const moderationFile = values.moderation ?? process.env.LOCAL_CLOUD_MODERATION;
if (moderationFile) {
  extraFunctions.push(...parseExtraFunctionArguments([`moderation=${moderationFile}`]));
  // The local cloud's account and region (local-cloud/template): where functions given as files run.
  context.moderationFunctionArn ??= functionArn('us-east-1', '123456789012', 'moderation');
}
// Settings other than cdk.json's: the same stack and bundles, synthesized with them.
const withContext = Object.keys(context).length > 0 && !values.template ? productTemplateWithContext(context) : undefined;

const port = Number(values.port ?? process.env.PORT ?? 3000);
const dataDir = values['data-dir'] ?? process.env.LOCAL_CLOUD_DATA_DIR;
const cloud = await startLocalCloud({
  port,
  ...(dataDir ? { dataDir } : {}),
  ...(values.template ? { templatePath: values.template } : {}),
  ...(withContext ?? {}),
  ...externalEndpointsFromEnv(),
  extraFunctions,
  // The web chat page (built into web/dist by `npm start`'s build:web step).
  httpHandler: webChatHandler(),
  onFunctionLog: values.quiet ? undefined : (functionName, line) => console.log(`[${functionName}] ${line}`),
});

console.log(`
Local cloud is running (stack ${cloud.model.stackName}, ${cloud.model.functions.length} functions)
  WebSocket      ${cloud.url}/?token=TOKEN&device=DEVICE
  Dev token      ${cloud.httpUrl}/dev/token?user=alice
  Web chat       ${cloud.httpUrl}/
  Management API ${cloud.managementEndpoint}/@connections/{connectionId}
  DynamoDB       ${cloud.dynamoDbEndpoint}${dataDir ? ` (data in ${dataDir})` : ' (in memory)'}
  SQS            ${cloud.sqsEndpoint}
  S3             ${cloud.s3Endpoint} (${cloud.model.buckets.length} buckets, path-style)
  EventBridge    ${cloud.eventBridgeEndpoint} (accepted events: ${cloud.httpUrl}/dev/events)${
    cloud.httpApi ? `\n  HTTP API       ${cloud.httpApi.url}/... (SigV4: key local, secret local, us-east-1, execute-api)` : ''
  }
  SNS            ${cloud.snsEndpoint} (mobile push; what phones got: ${cloud.httpUrl}/dev/push?user=alice)
  Lambda Invoke  ${cloud.lambdaEndpoint}
${extraFunctions.map((extra) => `  Function       arn:aws:lambda:${cloud.model.region}:${cloud.model.accountId}:function:${extra.name} (${extra.file})\n`).join('')}Press Ctrl-C to stop.
`);

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  console.log('stopping...');
  void cloud.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
