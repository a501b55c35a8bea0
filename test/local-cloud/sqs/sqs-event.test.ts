import type { Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { outcomeOfResult, recordsToDelete } from '../../../local-cloud/sqs/batch-response.js';
import { toSqsEvent } from '../../../local-cloud/sqs/sqs-event.js';

const source = { queueArn: 'arn:aws:sqs:us-east-1:123456789012:fan-out', region: 'us-east-1' };

describe('toSqsEvent', () => {
  it('maps SDK messages to Lambda SQS records field for field', () => {
    const message: Message = {
      MessageId: 'm-1',
      ReceiptHandle: 'rh-1',
      Body: '{"hello":"world"}',
      MD5OfBody: 'body-md5',
      MD5OfMessageAttributes: 'attrs-md5',
      Attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1700000000000',
        SenderId: 'AIDA',
        ApproximateFirstReceiveTimestamp: '1700000000001',
        AWSTraceHeader: 'Root=1-abc',
      },
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'group' },
        size: { DataType: 'Number.int', StringValue: '3' },
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
      },
    };

    expect(toSqsEvent([message], source)).toStrictEqual({
      Records: [
        {
          messageId: 'm-1',
          receiptHandle: 'rh-1',
          body: '{"hello":"world"}',
          attributes: {
            ApproximateReceiveCount: '2',
            SentTimestamp: '1700000000000',
            SenderId: 'AIDA',
            ApproximateFirstReceiveTimestamp: '1700000000001',
            AWSTraceHeader: 'Root=1-abc',
          },
          messageAttributes: {
            kind: { stringValue: 'group', stringListValues: [], binaryListValues: [], dataType: 'String' },
            size: { stringValue: '3', stringListValues: [], binaryListValues: [], dataType: 'Number.int' },
            blob: { binaryValue: 'AAEC/w==', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
          },
          md5OfBody: 'body-md5',
          md5OfMessageAttributes: 'attrs-md5',
          eventSource: 'aws:sqs',
          eventSourceARN: source.queueArn,
          awsRegion: 'us-east-1',
        },
      ],
    });
  });

  it('omits md5OfMessageAttributes when the message has no attributes, and is plain JSON', () => {
    const event = toSqsEvent([{ MessageId: 'm', ReceiptHandle: 'r', Body: 'b', MD5OfBody: 'x', Attributes: {} }], source);
    const record = event.Records[0]!;
    expect(record).not.toHaveProperty('md5OfMessageAttributes');
    expect(record.messageAttributes).toEqual({});
    expect(JSON.parse(JSON.stringify(event))).toStrictEqual(event);
  });
});

describe('outcomeOfResult (AWS partial batch response rules)', () => {
  const records = ['a', 'b', 'c'].map((messageId) => ({ messageId, receiptHandle: `rh-${messageId}` }) as SQSRecord);

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
  ])('treats %s as complete success', (_, result) => {
    expect(outcomeOfResult(result, records, true)).toEqual({ kind: 'success' });
  });

  it('deletes everything but the reported failures', () => {
    const outcome = outcomeOfResult({ batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'b' }] }, records, true);
    expect(outcome).toEqual({ kind: 'partial', failedMessageIds: new Set(['b']) });
    expect(recordsToDelete(records, outcome).map((r) => r.messageId)).toEqual(['a', 'c']);
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a misspelt key', { batchItemFailures: [{ itemidentifier: 'a' }] }],
    ['an id from another batch', { batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'zzz' }] }],
    ['a null entry', { batchItemFailures: [null] }],
    ['a list that is not a list', { batchItemFailures: { itemIdentifier: 'a' } }],
    ['a string response', 'ok'],
    ['an array response', [{ itemIdentifier: 'a' }]],
  ])('treats %s as complete failure (delete nothing)', (_, result) => {
    const outcome = outcomeOfResult(result, records, true);
    expect(outcome.kind).toBe('failure');
    expect(recordsToDelete(records, outcome)).toEqual([]);
  });

  it('ignores the response entirely without ReportBatchItemFailures', () => {
    expect(outcomeOfResult({ batchItemFailures: [{ itemIdentifier: 'a' }] }, records, false)).toEqual({ kind: 'success' });
    expect(outcomeOfResult('anything', records, false)).toEqual({ kind: 'success' });
  });
});
