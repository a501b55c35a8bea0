/**
 * Turns records returned by DynamoDB Streams' GetRecords (as the SDK parses them) into the records
 * of the event Lambda passes to a function, key for key in AWS's order (compared with events
 * captured from AWS in test/fixtures/aws-events/), so a handler cannot tell the local cloud from AWS.
 */
import type { AttributeValue as StreamsAttributeValue, _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export interface StreamSource {
  /** The stream ARN as the stack knows it (eventSourceARN). */
  streamArn: string;
  /** The stack's region (awsRegion: DynamoDB Local writes its own). */
  region: string;
}

/** DynamoDB Local's name for a TTL deletion (a Java SDK enum fallback): AWS calls it REMOVE, by the service. */
const LOCAL_TTL_EVENT_NAME = 'UNKNOWN_TO_SDK_VERSION';

export const TTL_USER_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

export function toStreamEvent(records: readonly DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: [...records] };
}

/**
 * One record. `createdAtMs` is when the record was written, as well as the local cloud knows it
 * (DynamoDB Local rounds ApproximateCreationDateTime down to the minute); AWS gives whole seconds.
 */
export function toLambdaRecord(record: StreamsRecord, source: StreamSource, createdAtMs: number): DynamoDBRecord {
  const change = record.dynamodb;
  if (!record.eventID || !change?.SequenceNumber || !change.Keys) throw new Error('GetRecords returned a record without eventID, SequenceNumber or Keys');
  const ttlDeletion = (record.eventName as string | undefined) === LOCAL_TTL_EVENT_NAME || (record.userIdentity?.PrincipalId === TTL_USER_IDENTITY.principalId && record.userIdentity.Type === 'Service');
  const eventName = ttlDeletion ? 'REMOVE' : record.eventName;
  if (eventName !== 'INSERT' && eventName !== 'MODIFY' && eventName !== 'REMOVE') throw new Error(`GetRecords returned a record with eventName ${String(record.eventName)}`);
  const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = {
    ApproximateCreationDateTime: Math.floor(createdAtMs / 1000),
    Keys: toImage(change.Keys),
  };
  if (change.NewImage) dynamodb.NewImage = toImage(change.NewImage);
  if (change.OldImage) dynamodb.OldImage = toImage(change.OldImage);
  dynamodb.SequenceNumber = change.SequenceNumber;
  dynamodb.SizeBytes = change.SizeBytes ?? 0;
  dynamodb.StreamViewType = change.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'];
  const lambdaRecord: DynamoDBRecord = {
    // AWS's event ids are 32 hex digits; DynamoDB Local's are UUIDs of the same 128 bits.
    eventID: record.eventID.replaceAll('-', ''),
    eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: source.region,
    dynamodb,
    eventSourceARN: source.streamArn,
  };
  if (ttlDeletion) lambdaRecord.userIdentity = { ...TTL_USER_IDENTITY };
  return lambdaRecord;
}

function toImage(image: Record<string, StreamsAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toAttributeValue(value)]));
}

/** The SDK gives binary values as bytes; the Lambda event carries them in base64, as on the wire. */
function toAttributeValue(value: StreamsAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: toBase64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(toBase64) };
  if (value.M !== undefined) return { M: toImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toAttributeValue) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  throw new Error(`unsupported attribute value ${JSON.stringify(value)}`);
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * When a record was written, in ms: the earlier of when the mapping first read it and the end of
 * the interval ApproximateCreationDateTime stands for (a whole minute when DynamoDB Local rounded
 * it to one, else a second).
 */
export function creationTimeMs(record: StreamsRecord, firstReadAtMs: number): number {
  const approximate = record.dynamodb?.ApproximateCreationDateTime?.getTime();
  if (approximate === undefined || Number.isNaN(approximate)) return firstReadAtMs;
  const granularity = approximate % 60_000 === 0 ? 60_000 : 1_000;
  return Math.max(approximate, Math.min(firstReadAtMs, approximate + granularity - 1));
}
