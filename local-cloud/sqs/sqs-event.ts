/**
 * Turns messages returned by ReceiveMessage into the event Lambda's SQS event source passes
 * to a function, field for field, so a handler cannot tell the local cloud from AWS.
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

export interface EventSource {
  queueArn: string;
  region: string;
}

export function toSqsEvent(messages: readonly Message[], source: EventSource): SQSEvent {
  return { Records: messages.map((message) => toSqsRecord(message, source)) };
}

export function toSqsRecord(message: Message, source: EventSource): SQSRecord {
  if (!message.MessageId || !message.ReceiptHandle) {
    throw new Error('ReceiveMessage returned a message without MessageId or ReceiptHandle');
  }
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    // Every system attribute SQS returned (we ask for All, as Lambda does): the four basic
    // ones, FIFO's SequenceNumber/MessageGroupId/MessageDeduplicationId, AWSTraceHeader,
    // DeadLetterQueueSourceArn. SQS already sends them as strings, which is what Lambda passes.
    attributes: { ...message.Attributes } as SQSRecordAttributes,
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, toLambdaAttribute(value)]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    // Lambda only includes it when the message has message attributes.
    ...(message.MD5OfMessageAttributes && { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
}

/**
 * The SDK gives PascalCase fields and bytes; Lambda gives camelCase fields, base64 strings,
 * and always both list fields (reserved by SQS, so always empty in practice).
 */
function toLambdaAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  return {
    ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
    ...(value.BinaryValue !== undefined && { binaryValue: toBase64(value.BinaryValue) }),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(toBase64),
    dataType: value.DataType ?? 'String',
  };
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
