import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** A DynamoDB stream record as Lambda delivers it (the parts the consumers read). */
export interface StreamRecord {
  eventName?: string;
  dynamodb?: { NewImage?: Record<string, unknown>; SequenceNumber?: string; ApproximateCreationDateTime?: number };
}

/** The item a stream record wrote, as plain values (DynamoDB's wire format unmarshalled). */
export function newImageOf(record: StreamRecord): Record<string, unknown> | undefined {
  const image = record.dynamodb?.NewImage;
  return image ? unmarshall(image as Record<string, AttributeValue>) : undefined;
}
