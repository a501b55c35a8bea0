import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { AttachmentStorage } from './attachment-storage.js';
import { HandlerFunction } from './handler-function.js';

export interface AttachmentConfirmationProps {
  attachments: AttachmentStorage;
  conversations: ITableV2;
  environment: Record<string, string>;
  logRetentionDays: number;
}

/** Message body kinds that carry an upload (protocol `ATTACHMENT_KINDS`). */
const ATTACHMENT_BODY_KINDS = ['image', 'video', 'audio', 'file'];

/**
 * Tags the upload of every stored attachment message `attached` (functions/attachments/
 * confirm-attached.ts), from the Conversations stream: `send` tags it `sending` before the message
 * exists, and only a committed message may move it out of the lifecycle rule's reach. The mapping
 * retries a failing record until it succeeds or is 24 hours old (no dead-letter queue: a skipped
 * record would leave a stored message's file to the lifecycle rule); `AttachmentTaggerIteratorAge`
 * alarms long before that.
 */
export class AttachmentConfirmation extends Construct {
  readonly tagger: HandlerFunction;

  constructor(scope: Construct, id: string, props: AttachmentConfirmationProps) {
    super(scope, id);
    this.tagger = new HandlerFunction(this, 'Tagger', {
      handler: 'attachment-tagger',
      description: 'Tags the upload of each stored attachment message attached (Conversations stream)',
      environment: { ATTACHMENTS_BUCKET: props.environment.ATTACHMENTS_BUCKET! },
      logRetentionDays: props.logRetentionDays,
    });
    this.tagger.addEventSource(
      new DynamoEventSource(props.conversations, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: -1,
        filters: [
          FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { NewImage: { body: { M: { kind: { S: FilterRule.or(...ATTACHMENT_BODY_KINDS) } } } } } }),
        ],
      }),
    );
    props.attachments.grantConfirm(this.tagger);
  }
}
