import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, StreamViewType, TableV2, type TablePropsV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface MessagingStorageProps {
  retainData: boolean;
  /** DynamoDB deletion protection: the table cannot be deleted (by anyone) until it is turned off. */
  deletionProtection?: boolean;
}

/**
 * The tables behind delivery (see docs/data-model.md for every access pattern and its cost):
 * - Timelines: per-user mailbox, `userId` + `seq`; item seq 0 is the user's atomic counter.
 * - Conversations: per-conversation log, `conversationId` + `cseq`; item cseq 0 is its head
 *   (read positions, last own message per member).
 * - Memberships: which conversations a user is in, `userId` + `conversationId`; the sparse
 *   `byGroup` index lists a group's members with their read positions (fan-out, receipts);
 *   `byActivity` and `byUnread` page a user's conversation list and total its unread.
 * - Claims: one item per (sender, clientMsgId) so a retried `send` never stores twice, and one
 *   per (recipient, group message) so a redelivered fan-out job never delivers twice.
 * - GroupListeners: the live connections of each large group's members (read fan-out pushes).
 */
export class MessagingStorage extends Construct {
  readonly timelines: TableV2;
  readonly conversations: TableV2;
  readonly memberships: TableV2;
  readonly claims: TableV2;
  readonly groupListeners: TableV2;
  static readonly BY_GROUP_INDEX = 'byGroup';
  /** Names functions/storage/activity-index.ts uses. */
  static readonly BY_ACTIVITY_INDEX = 'byActivity';
  static readonly BY_UNREAD_INDEX = 'byUnread';

  constructor(scope: Construct, id: string, props: MessagingStorageProps) {
    super(scope, id);
    const common: Omit<TablePropsV2, 'partitionKey'> = {
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };
    this.timelines = new TableV2(this, 'Timelines', {
      ...common,
      partitionKey: { name: 'userId', type: AttributeType.STRING },
      sortKey: { name: 'seq', type: AttributeType.NUMBER },
      // New timeline messages feed offline push notifications (lib/constructs/push-notifications.ts).
      dynamoStream: StreamViewType.NEW_IMAGE,
    });
    this.conversations = new TableV2(this, 'Conversations', {
      ...common,
      partitionKey: { name: 'conversationId', type: AttributeType.STRING },
      sortKey: { name: 'cseq', type: AttributeType.NUMBER },
      // New large-group messages feed the notifications of their mentioned members.
      dynamoStream: StreamViewType.NEW_IMAGE,
    });
    this.memberships = new TableV2(this, 'Memberships', {
      ...common,
      partitionKey: { name: 'userId', type: AttributeType.STRING },
      sortKey: { name: 'conversationId', type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          // Only group memberships carry `groupId`, so direct conversations cost the index nothing.
          indexName: MessagingStorage.BY_GROUP_INDEX,
          partitionKey: { name: 'groupId', type: AttributeType.STRING },
          sortKey: { name: 'userId', type: AttributeType.STRING },
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: ['role', 'readUpTo', 'ownLast', 'deliveredUpTo'],
        },
        {
          // A user's conversations, newest activity first (`conversations` pages). Keys only: a
          // row's other attributes change without writing the index.
          indexName: MessagingStorage.BY_ACTIVITY_INDEX,
          partitionKey: { name: 'userId', type: AttributeType.STRING },
          sortKey: { name: 'activity', type: AttributeType.NUMBER },
          projectionType: ProjectionType.KEYS_ONLY,
        },
        {
          // Sparse: the conversations of a user that may have unread messages (`totalUnread`).
          indexName: MessagingStorage.BY_UNREAD_INDEX,
          partitionKey: { name: 'unreadOf', type: AttributeType.STRING },
          sortKey: { name: 'conversationId', type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
      ],
    });
    this.claims = new TableV2(this, 'Claims', {
      ...common,
      partitionKey: { name: 'claimId', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
    this.groupListeners = new TableV2(this, 'GroupListeners', {
      ...common,
      partitionKey: { name: 'conversationId', type: AttributeType.STRING },
      sortKey: { name: 'connectionId', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
  }
}
