import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, describe, expect, it } from 'vitest';
import { accessKeyIdOf } from '../../../local-cloud/function-environment.js';
import type { LocalCloud } from '../../../local-cloud/local-cloud.js';
import type { CloudFormationTemplate } from '../../../local-cloud/template/cloud-model.js';
import { startTestCloud } from '../../support/test-cloud.js';
import { editTemplate, synthStreamFixture } from './fixture-stack.js';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Removes, from the policy of `consumerPrefix`'s role, the statements whose actions `drop` picks. */
function withoutStatements(template: CloudFormationTemplate, consumerPrefix: string, drop: (actions: string[]) => boolean): void {
  let removed = 0;
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' || !logicalId.startsWith(consumerPrefix)) continue;
    const document = resource.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] };
    document.Statement = document.Statement.filter((statement) => {
      const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      const dropIt = drop(actions);
      if (dropIt) removed++;
      return !dropIt;
    });
  }
  expect(removed).toBe(1);
}

describe('IAM for DynamoDB stream mappings', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });
  function fixture(edit?: (template: CloudFormationTemplate) => void): string {
    const templatePath = synthStreamFixture({ viewTypes: ['NEW_AND_OLD_IMAGES', 'KEYS_ONLY'] });
    folders.push(path.dirname(templatePath));
    if (edit) editTemplate(templatePath, edit);
    return templatePath;
  }

  it.each([
    ['dynamodb:GetRecords/GetShardIterator/DescribeStream', (actions: string[]) => actions.includes('dynamodb:GetRecords')],
    ['dynamodb:ListStreams', (actions: string[]) => actions.includes('dynamodb:ListStreams')],
  ])('a role without %s cannot get its mapping created: the local cloud does not start, with Lambda\'s message', async (_name, drop) => {
    const templatePath = fixture((template) => withoutStatements(template, 'NewAndOldImagesConsumer', drop));
    await expect(startTestCloud({ templatePath })).rejects.toThrow(
      new RegExp(
        `NewAndOldImagesConsumerDynamoDBEventSource\\w+: Invalid request provided: Cannot access stream arn:aws:dynamodb:us-east-1:123456789012:table/StreamFixture-NewAndOldImagesTable[\\w-]+/stream/[\\dT:.-]+\\. ` +
          escape('Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.') +
          '.*needs dynamodb:\\w+ on arn:aws:dynamodb:us-east-1:123456789012:table/',
      ),
    );
  });

  it('a role that cannot send to the on-failure queue cannot get its mapping created either', async () => {
    const templatePath = fixture((template) => withoutStatements(template, 'KeysOnlyConsumer', (actions) => actions.includes('sqs:SendMessage')));
    await expect(startTestCloud({ templatePath })).rejects.toThrow(
      /KeysOnlyConsumerDynamoDBEventSource\w+: Invalid request provided: The provided execution role does not have permissions to call SendMessage on SQS .*sqs:SendMessage on arn:aws:sqs:us-east-1:123456789012:StreamFixture-Dlq/,
    );
  });

  describe('a function that reads a stream itself, through the front door with its own credentials', () => {
    let cloud: LocalCloud;
    afterAll(async () => cloud?.stop());

    it('sees the stack\'s ARNs and records, may read the stream its role names, and gets AccessDeniedException on another', async () => {
      cloud = await startTestCloud({ templatePath: fixture() });
      const fn = (prefix: string) => cloud.model.functions.find((candidate) => candidate.logicalId.startsWith(prefix))!;
      const client = (prefix: string) =>
        new DynamoDBStreamsClient({ endpoint: cloud.dynamoFrontDoor.endpoint, region: 'us-east-1', credentials: { accessKeyId: accessKeyIdOf(fn(prefix)), secretAccessKey: 'local' } });
      const tableName = cloud.tableName('NewAndOldImagesTable');
      const streamArn = cloud.streams.mappings.find((mapping) => mapping.streamArn.includes(tableName))!.streamArn;
      const dynamo = new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'tests', secretAccessKey: 'local' } });
      await dynamo.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'direct' }, sk: { N: '1' } } }));
      dynamo.destroy();

      const own = client('NewAndOldImagesConsumer');
      const { StreamDescription } = await own.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      expect(StreamDescription!.StreamArn).toBe(streamArn);
      const { ShardIterator } = await own.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: StreamDescription!.Shards![0]!.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
      expect(ShardIterator!.startsWith(`${streamArn}|`)).toBe(true);
      const { Records } = await own.send(new GetRecordsCommand({ ShardIterator }));
      expect(Records!.map((record) => [record.awsRegion, record.dynamodb!.Keys!.pk!.S])).toContainEqual(['us-east-1', 'direct']);
      const { Streams } = await own.send(new ListStreamsCommand({ TableName: tableName }));
      expect(Streams!.map((stream) => stream.StreamArn)).toContain(streamArn);
      own.destroy();

      const other = client('KeysOnlyConsumer');
      const refused = await other.send(new DescribeStreamCommand({ StreamArn: streamArn })).then(
        () => undefined,
        (error: Error) => error,
      );
      other.destroy();
      expect(refused?.name).toBe('AccessDeniedException');
      expect(refused?.message).toMatch(new RegExp(`is not authorized to perform: dynamodb:DescribeStream on resource: ${escape(streamArn)} because no identity-based policy allows`));
      expect(cloud.iam!.denials.at(-1)!.request).toEqual({ action: 'dynamodb:DescribeStream', resource: streamArn });
    });
  });
});
