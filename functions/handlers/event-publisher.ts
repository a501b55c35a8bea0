import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { eventOfRecord } from '../events/record-to-event.js';
import { type PendingEvent, publishOnce, type PutEvents } from '../events/publish-once.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { requiredEnv } from '../platform/env.js';
import { logger, metrics, MetricUnit } from '../platform/observability.js';
import { dynamoDb } from '../runtime/aws-clients.js';
import type { Storage } from '../storage/storage.js';

let client: EventBridgeClient | undefined;
const putEvents: PutEvents = async (entries) => {
  client ??= new EventBridgeClient({});
  const result = await client.send(new PutEventsCommand({ Entries: entries }));
  return result.Entries ?? [];
};

let storage: Storage | undefined;
/** Only the Claims table: the publisher reads and writes event claims, nothing else. */
const claimsStorage = (): Storage =>
  (storage ??= {
    db: dynamoDb(),
    tables: { claims: requiredEnv('CLAIMS_TABLE'), connections: '', connectionsByUser: '', timelines: '', conversations: '', memberships: '', membershipsByGroup: '', groupListeners: '' },
  });

/**
 * Reads the Conversations and Timelines streams (new messages, edits and recalls, the actors'
 * membership items, by the mappings' filters) and puts one event per committed change on the
 * stack's bus (docs/events.md). Nothing here is on a request's path: a send's reply never waits
 * for it. When an event cannot be published, the batch reports the record it came from, so the
 * stream retries from there; what was published before is skipped by its claim.
 */
export const handler = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
  logger.addContext(context);
  const records = event.Records ?? [];
  const settings = { includeBody: process.env.EVENTS_INCLUDE_BODY === 'true' };
  try {
    const pending: PendingEvent[] = [];
    records.forEach((record, recordIndex) => {
      const mapped = eventOfRecord(record, settings);
      if (mapped) pending.push({ event: mapped, recordIndex });
    });
    const outcome = await publishOnce(
      {
        storage: claimsStorage(),
        putEvents,
        busName: requiredEnv('EVENT_BUS_NAME'),
        checkpoint: runtimeCheckpoint(),
        clock: Date.now,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      pending,
    ).catch((error: unknown) => ({ published: 0, skipped: 0, publishedTwice: 0, failedFrom: 0, error }));
    if (outcome.published > 0) metrics.addMetric('EventsPublished', MetricUnit.Count, outcome.published);
    if (outcome.skipped > 0) metrics.addMetric('EventsAlreadyPublished', MetricUnit.Count, outcome.skipped);
    if (outcome.publishedTwice > 0) metrics.addMetric('EventsPublishedTwice', MetricUnit.Count, outcome.publishedTwice);
    if (outcome.failedFrom === undefined) return { batchItemFailures: [] };
    logger.warn('publishing events failed; the stream retries from this record', { error: (outcome.error as Error | undefined)?.message });
    return { batchItemFailures: [{ itemIdentifier: records[outcome.failedFrom]!.dynamodb!.SequenceNumber! }] };
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
