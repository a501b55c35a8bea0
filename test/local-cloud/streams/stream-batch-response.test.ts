import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { outcomeOfStreamResult } from '../../../local-cloud/streams/stream-batch-response.js';

const records = ['100', '200', '300'].map((SequenceNumber) => ({ dynamodb: { SequenceNumber } }) as DynamoDBRecord);
const outcome = (result: unknown, report = true) => outcomeOfStreamResult(result, records, report);

describe('what a stream function\'s answer means for its batch (services-ddb-batchfailurereporting)', () => {
  it('complete success: no ReportBatchItemFailures, null/empty response, null/empty list', () => {
    expect(outcome({ batchItemFailures: [{ itemIdentifier: '200' }] }, false)).toEqual({ kind: 'success' });
    for (const result of [undefined, null, {}, { batchItemFailures: null }, { batchItemFailures: [] }]) expect(outcome(result)).toEqual({ kind: 'success' });
  });

  it('partial: retry from the lowest reported sequence number', () => {
    expect(outcome({ batchItemFailures: [{ itemIdentifier: '300' }, { itemIdentifier: '200' }] })).toEqual({ kind: 'partial', retryFrom: 1 });
    expect(outcome({ batchItemFailures: [{ itemIdentifier: '100' }] })).toEqual({ kind: 'partial', retryFrom: 0 });
  });

  it('complete failure: empty, null or misspelt itemIdentifier, one not in the batch, or an answer that is no batch response', () => {
    for (const failure of [{ itemIdentifier: '' }, { itemIdentifier: null }, { itemIdentifer: '200' }, { itemIdentifier: '999' }, null]) {
      expect(outcome({ batchItemFailures: [failure] }).kind).toBe('failure');
    }
    expect(outcome({ batchItemFailures: 'x' }).kind).toBe('failure');
    expect(outcome('ok').kind).toBe('failure');
    expect(outcome([1]).kind).toBe('failure');
  });
});
