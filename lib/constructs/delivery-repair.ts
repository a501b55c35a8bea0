import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TableName } from './action-functions.js';
import { HandlerFunction } from './handler-function.js';

export interface DeliveryRepairProps {
  tables: Record<TableName, ITableV2>;
  fanOutQueue: IQueue;
  grantPush: (fn: HandlerFunction) => void;
  environment: Record<string, string>;
  logRetentionDays: number;
}

/**
 * How long after a message is stored the repair looks at it: long past any send attempt (10 s),
 * well inside SQS's 5-minute deduplication window, so re-queued group jobs are dropped as duplicates.
 */
export const REPAIR_DELAY = Duration.seconds(60);

/**
 * Finishes deliveries that a send left undone after its commit point (its function died and the
 * app never retried): a consumer of the Conversations stream's new messages
 * (functions/delivery-repair/repair-delivery.ts). The batching window delays each record by
 * REPAIR_DELAY; the check is a few eventually consistent reads per message. A failing record is
 * retried until it succeeds or leaves the stream (24 hours), watched by the
 * DeliveryRepairIteratorAge alarm.
 */
export class DeliveryRepair extends Construct {
  readonly repairer: HandlerFunction;

  constructor(scope: Construct, id: string, props: DeliveryRepairProps) {
    super(scope, id);
    this.repairer = new HandlerFunction(this, 'Repairer', {
      handler: 'delivery-repair',
      description: 'Finishes the delivery of stored messages whose send stopped after the commit point (Conversations stream)',
      environment: props.environment,
      logRetentionDays: props.logRetentionDays,
      // A batch of 100 records, each a few reads; rarely a repair's writes and pushes.
      timeout: Duration.seconds(60),
    });
    this.repairer.addEventSource(
      new DynamoEventSource(props.tables.conversations, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: REPAIR_DELAY,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: -1,
        // New messages only: heads, change-log entries and changes of messages are not deliveries.
        filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { NewImage: { msgId: { S: FilterRule.exists() } } } })],
      }),
    );
    const { tables } = props;
    for (const table of [tables.timelines, tables.conversations, tables.memberships, tables.connections]) table.grantReadWriteData(this.repairer);
    tables.groupListeners.grantReadData(this.repairer);
    props.fanOutQueue.grantSendMessages(this.repairer);
    props.grantPush(this.repairer);
  }
}
