import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface ConnectionStorageProps {
  retainData: boolean;
  /** DynamoDB deletion protection: the table cannot be deleted (by anyone) until it is turned off. */
  deletionProtection?: boolean;
}

/**
 * Live WebSocket connections: connectionId -> user, device, connectedAt, expiresAt.
 * The `byUser` index lets a push find every device of a user without a scan; the TTL on
 * `expiresAt` removes connections whose `$disconnect` never came (crashed clients).
 */
export class ConnectionStorage extends Construct {
  static readonly BY_USER_INDEX = 'byUser';
  /** Sparse: only connections whose token expires within their 2-hour life (functions/storage/connections.ts). */
  static readonly BY_TOKEN_EXPIRY_INDEX = 'byTokenExpiry';
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: ConnectionStorageProps) {
    super(scope, id);
    this.table = new TableV2(this, 'Connections', {
      partitionKey: { name: 'connectionId', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      globalSecondaryIndexes: [
        {
          indexName: ConnectionStorage.BY_USER_INDEX,
          partitionKey: { name: 'userId', type: AttributeType.STRING },
          sortKey: { name: 'connectionId', type: AttributeType.STRING },
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: ['deviceId', 'expiresAt'],
        },
        {
          indexName: ConnectionStorage.BY_TOKEN_EXPIRY_INDEX,
          partitionKey: { name: 'expiryHour', type: AttributeType.NUMBER },
          sortKey: { name: 'tokenExpiresAt', type: AttributeType.NUMBER },
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: ['userId', 'connectedAt'],
        },
      ],
    });
  }
}
