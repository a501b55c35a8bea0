import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { EventsConfig } from '../config.js';
import { HandlerFunction } from './handler-function.js';

export interface EventPublishingProps {
  config: EventsConfig;
  conversations: ITableV2;
  timelines: ITableV2;
  claims: ITableV2;
  logRetentionDays: number;
}

/**
 * The stack's EventBridge bus and its publisher (docs/events.md): one event per committed change,
 * read from the streams of the tables where each change commits, so publishing is never on a
 * request's path and a change that committed cannot be missed (the stream has it for 24 hours).
 *
 * - Conversations: new messages (INSERT of an item with a msgId) and edits and recalls (MODIFY
 *   whose `lastChange` is one). Reactions, heads and the change log do not reach the function.
 * - Conversations: reports (INSERT with `recordType` = `report`), one per reporter and message.
 * - Timelines: the actor's `system` item of a membership change (`origin`), one per change.
 *
 * A failing batch is bisected and retried from the failed record until it succeeds or is 24 hours
 * old. There is no dead-letter destination on purpose: a record handed to one is an event not
 * published, and what fails here is either passing (EventBridge throttling or an outage) or needs
 * an operator anyway (a changed policy, a deleted bus), who then fixes it without losing anything.
 * `EventPublisherIteratorAge` alarms long before a record could leave the stream.
 */
export class EventPublishing extends Construct {
  readonly bus: EventBus;
  readonly publisher: HandlerFunction;

  constructor(scope: Construct, id: string, props: EventPublishingProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { description: 'Messages, edits, recalls and group changes of serverless-im (docs/events.md)' });
    this.publisher = new HandlerFunction(this, 'Publisher', {
      handler: 'event-publisher',
      description: 'Puts one event per committed message, edit, recall and group change on the event bus (table streams)',
      environment: {
        CLAIMS_TABLE: props.claims.tableName,
        EVENT_BUS_NAME: this.bus.eventBusName,
        EVENTS_INCLUDE_BODY: String(props.config.includeBody),
      },
      // Up to 10 PutEvents calls and their claims per batch of 100 records, with retries of failed entries.
      timeout: Duration.seconds(60),
      logRetentionDays: props.logRetentionDays,
    });
    // events:PutEvents on this bus only.
    this.bus.grantPutEventsTo(this.publisher);
    // Event claims: read before publishing (BatchGetItem), written after (PutItem). Nothing else.
    this.publisher.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'], resources: [props.claims.tableArn] }));

    const mapping = {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: -1,
    };
    this.publisher.addEventSource(
      new DynamoEventSource(props.conversations, {
        ...mapping,
        filters: [
          FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { NewImage: { msgId: { S: FilterRule.exists() } } } }),
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            dynamodb: { NewImage: { lastChange: { M: { kind: { S: FilterRule.or('edit', 'recall') } } } } },
          }),
          // Reports (`report`): their items carry the reported message's msgId, so the first filter
          // matches them already; said on its own so a change to that one cannot drop them.
          FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { NewImage: { recordType: { S: FilterRule.isEqual('report') } } } }),
          // user.erased: the erasure record's write that still names the user (functions/erasure/).
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            dynamodb: { NewImage: { recordType: { S: FilterRule.isEqual('erasure') }, status: { S: FilterRule.isEqual('finishing') } } },
          }),
        ],
      }),
    );
    this.publisher.addEventSource(
      new DynamoEventSource(props.timelines, {
        ...mapping,
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { type: { S: FilterRule.isEqual('system') }, origin: { BOOL: FilterRule.isEqual(true) } } },
          }),
        ],
      }),
    );
  }
}
