import type { PolicyStatement } from './policy-document.js';

/**
 * The AWS managed policies the local cloud knows, by name (the part of the ARN after
 * `:iam::aws:policy/` and any path). Their documents are AWS's; each grants only actions on
 * services the local cloud does not run or check (CloudWatch Logs, X-Ray, EC2), except the
 * SQS and DynamoDB Streams polling grants of the two event-source execution roles.
 *
 * Any other managed policy (another AWS managed one, or a customer managed one outside the
 * stack) cannot be read locally: it counts as granting nothing, and the local cloud says so at
 * start. That is the conservative choice: a call it refuses for that reason is one to grant in
 * the stack itself (or to check by hand against that policy).
 */
const LOGS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'];

const KNOWN: Record<string, string[]> = {
  AWSLambdaBasicExecutionRole: LOGS,
  AWSLambdaSQSQueueExecutionRole: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', ...LOGS],
  AWSLambdaDynamoDBExecutionRole: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams', ...LOGS],
  AWSLambdaVPCAccessExecutionRole: [
    ...LOGS,
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
  ],
  AWSXRayDaemonWriteAccess: [
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
    'xray:GetSamplingStatisticSummaries',
  ],
};

/** The statements of an AWS managed policy by ARN, or undefined when the local cloud does not know it. */
export function awsManagedPolicyStatements(arn: string): PolicyStatement[] | undefined {
  const match = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  const actions = match ? KNOWN[match[1]!] : undefined;
  if (!actions) return undefined;
  return [{ effect: 'Allow', actions: [...actions], resources: ['*'], conditional: false, source: arn }];
}
