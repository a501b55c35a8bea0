/**
 * Gathers one batch for the event-source mapping the way Lambda's SQS poller does: long-poll
 * for the first messages, then keep receiving until the batch is full or the batching window
 * (which opens with the first message) has closed.
 */
import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { sleep } from './sleep.js';

/** SQS returns at most 10 messages per ReceiveMessage. */
const MAX_MESSAGES_PER_RECEIVE = 10;
/** Pause after an empty short poll inside a batching window, so we do not spin. */
const SHORT_POLL_PAUSE_MS = 50;

export interface ReceiveBatchOptions {
  client: SQSClient;
  queueUrl: string;
  batchSize: number;
  maximumBatchingWindowMs: number;
  pollWaitSeconds: number;
  /** Aborted when the mapping stops: close the batch with what we already hold. */
  signal: AbortSignal;
}

/** Resolves with up to batchSize distinct messages, or none if the long poll found nothing. */
export async function receiveBatch(options: ReceiveBatchOptions): Promise<Message[]> {
  const { batchSize, maximumBatchingWindowMs, pollWaitSeconds, signal } = options;
  // Keyed by MessageId: a message whose visibility timeout runs out while the batch is being
  // gathered can come back; one record per message, with its newest receipt handle (the only
  // one SQS promises to honour for the delete).
  const batch = new Map<string, Message>();
  let windowEnd: number | undefined;
  for (;;) {
    const waitSeconds =
      windowEnd === undefined
        ? pollWaitSeconds
        : Math.max(0, Math.min(pollWaitSeconds, Math.floor((windowEnd - Date.now()) / 1000)));
    const received = await receiveOnce(options, Math.min(MAX_MESSAGES_PER_RECEIVE, batchSize - batch.size), waitSeconds);
    for (const message of received) {
      if (message.MessageId) batch.set(message.MessageId, message);
    }
    if (batch.size === 0) return [];
    windowEnd ??= Date.now() + maximumBatchingWindowMs;
    if (batch.size >= batchSize || Date.now() >= windowEnd || signal.aborted) return [...batch.values()];
    if (received.length === 0 && waitSeconds === 0) {
      await sleep(Math.min(SHORT_POLL_PAUSE_MS, windowEnd - Date.now()), signal);
    }
  }
}

async function receiveOnce(options: ReceiveBatchOptions, maxMessages: number, waitSeconds: number): Promise<Message[]> {
  const { Messages } = await options.client.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: maxMessages,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['All'],
      // Deprecated twin of MessageSystemAttributeNames, still accepted by AWS. local-aws-sqs
      // 2.0.2 only reads this one (EMULATOR GAP: it ignores MessageSystemAttributeNames and
      // would return no attributes at all).
      AttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
    // The receive is deliberately not aborted on stop(): a receive cut off after SQS took
    // messages would burn one of their receive counts (pushing them toward the DLQ) without
    // an invocation. pollWaitSeconds is short so that stop() stays prompt.
  );
  return Messages ?? [];
}
