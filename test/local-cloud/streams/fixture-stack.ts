/**
 * A tiny stack for the stream tests, synthesized in the test the way `cdk synth` would: a table per
 * stream view type, each with an inline-code consumer on its stream (DynamoEventSource, as a
 * feature construct declares one) and a dead-letter queue for discarded batches.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, type DynamoEventSourceProps, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CloudFormationTemplate, StreamViewType } from '../../../local-cloud/template/cloud-model.js';

/**
 * The consumer: logs `EVENT <json>` and `ENV <stream arn>` lines, and fails on purpose for items
 * that ask for it: `fail: "always"` throws, `fail: "partial"` reports that record as failed
 * (ReportBatchItemFailures).
 */
export const CONSUMER_CODE = `
exports.handler = async (event) => {
  console.log('ENV ' + process.env.STREAM_ARN);
  console.log('EVENT ' + JSON.stringify(event));
  const failed = [];
  for (const record of event.Records) {
    const fail = record.dynamodb.NewImage && record.dynamodb.NewImage.fail && record.dynamodb.NewImage.fail.S;
    if (fail === 'always') throw new Error('consumer refused ' + record.dynamodb.SequenceNumber);
    if (fail === 'partial') failed.push({ itemIdentifier: record.dynamodb.SequenceNumber });
  }
  return { batchItemFailures: failed };
};
`;

export const VIEW_TYPES: readonly StreamViewType[] = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'];

/** Logical-id-friendly names: `KeysOnly`, `NewImage`, `OldImage`, `NewAndOldImages`. */
export const idOf = (viewType: StreamViewType): string =>
  viewType.toLowerCase().replace(/(^|_)([a-z])/g, (_match, _sep: string, letter: string) => letter.toUpperCase());

export interface FixtureOptions {
  eventSource?: Partial<DynamoEventSourceProps>;
  viewTypes?: readonly StreamViewType[];
}

/** Synthesizes the stack into a folder of its own; returns the template's path. */
export function synthStreamFixture(options: FixtureOptions = {}): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'stream-fixture-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'StreamFixture');
  const dlq = new sqs.Queue(stack, 'Dlq');
  for (const viewType of options.viewTypes ?? VIEW_TYPES) {
    const id = idOf(viewType);
    const table = new dynamodb.Table(stack, `${id}Table`, {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.NUMBER },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType[viewType],
      timeToLiveAttribute: 'expiresAt',
    });
    const consumer = new lambda.Function(stack, `${id}Consumer`, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(CONSUMER_CODE),
      timeout: Duration.seconds(10),
      environment: { STREAM_ARN: table.tableStreamArn! },
    });
    consumer.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        retryAttempts: 1,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(dlq),
        ...options.eventSource,
      }),
    );
  }
  app.synth();
  return path.join(outdir, 'StreamFixture.template.json');
}

/** Rewrites a synthesized template in place (e.g. to take a grant away). */
export function editTemplate(templatePath: string, edit: (template: CloudFormationTemplate) => void): void {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as CloudFormationTemplate;
  edit(template);
  writeFileSync(templatePath, JSON.stringify(template));
}
