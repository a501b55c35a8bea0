import { accessKeyIdOf } from '../function-environment.js';
import type { CloudModel } from '../template/cloud-model.js';
import type { PhysicalResource } from '../template/intrinsics.js';
import type { AccessChecker } from './access-checker.js';

/** What Lambda needs on a stream to poll it for a function (services-ddb: execution role permissions). */
export const STREAM_POLLING_ACTIONS = ['GetRecords', 'GetShardIterator', 'DescribeStream', 'ListStreams'] as const;

/**
 * CreateEventSourceMapping refuses a DynamoDB stream mapping whose function's role cannot read the
 * stream, or cannot send to its on-failure destination, so a deploy with one fails. This does the
 * same at start, with Lambda's message. ListStreams is asked for on the stream ARN: a grant on `*`
 * (CDK's `grantStreamRead`) covers it, and the local cloud never refuses what AWS might allow.
 */
export function checkStreamEventSourceMappings(checker: AccessChecker, model: CloudModel, resources: ReadonlyMap<string, PhysicalResource>): void {
  for (const mapping of model.streamEventSourceMappings) {
    const fn = model.functions.find((candidate) => candidate.logicalId === mapping.functionLogicalId);
    const principal = fn ? checker.principalOf(accessKeyIdOf(fn)) : undefined;
    const streamArn = resources.get(mapping.tableLogicalId)?.attributes.StreamArn;
    if (!principal || !streamArn) continue;
    const who = `role ${principal.roleName} of ${principal.functionLogicalId}`;
    const refuse = (message: string, needs: string): never => {
      throw new Error(`${mapping.logicalId}: Invalid request provided: ${message} (${who} needs ${needs}; CloudFormation would fail the deploy here, so the local cloud does not start)`);
    };
    for (const operation of STREAM_POLLING_ACTIONS) {
      if (checker.evaluate(principal.functionLogicalId, { action: `dynamodb:${operation}`, resource: streamArn }).decision !== 'allow') {
        refuse(
          `Cannot access stream ${streamArn}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.`,
          `dynamodb:${operation} on ${streamArn}`,
        );
      }
    }
    const destination = mapping.onFailure;
    if (destination) {
      const physical = resources.get(destination.logicalId);
      const [action, service, arn] =
        destination.type === 'sqs' ? ['SendMessage', 'SQS', physical?.attributes.Arn] : ['Publish', 'SNS', physical?.ref];
      const prefix = destination.type === 'sqs' ? 'sqs' : 'sns';
      if (arn && checker.evaluate(principal.functionLogicalId, { action: `${prefix}:${action}`, resource: arn }).decision !== 'allow') {
        refuse(`The provided execution role does not have permissions to call ${action} on ${service}`, `${prefix}:${action} on ${arn}`);
      }
    }
  }
}
