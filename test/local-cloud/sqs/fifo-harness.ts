/**
 * FIFO helpers for the fifo-*.test.ts files: queues, sends with explicit group and
 * deduplication ids (as the fan-out producer sends), and plain receives with every attribute.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SendMessageBatchResultEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createQueues, type CreatedQueue } from '../../../local-cloud/sqs/create-queues.js';

export interface FifoQueueOptions {
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  contentBasedDeduplication?: boolean;
  deduplicationScope?: 'queue' | 'messageGroup';
  /** High-throughput FIFO: DeduplicationScope messageGroup, FifoThroughputLimit perMessageGroupId. */
  highThroughput?: boolean;
}

/** A FIFO queue (`<name>.fifo`) with a FIFO dead-letter queue (`<name>-dlq.fifo`). */
export async function createFifoQueue(
  client: SQSClient,
  name: string,
  options: FifoQueueOptions = {},
): Promise<{ queue: CreatedQueue; dlq: CreatedQueue }> {
  const fifo: Record<string, string> = {
    FifoQueue: 'true',
    ContentBasedDeduplication: String(options.contentBasedDeduplication ?? false),
    ...(options.deduplicationScope && { DeduplicationScope: options.deduplicationScope }),
    ...(options.highThroughput && { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' }),
  };
  const queues = await createQueues(client, [
    {
      logicalId: 'Work',
      name: `${name}.fifo`,
      attributes: { VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 1), ...fifo },
      redrive: { deadLetterLogicalId: 'WorkDlq', maxReceiveCount: options.maxReceiveCount ?? 5 },
    },
    { logicalId: 'WorkDlq', name: `${name}-dlq.fifo`, attributes: { FifoQueue: 'true' } },
  ]);
  return { queue: queues.get('Work')!, dlq: queues.get('WorkDlq')! };
}

export interface FifoMessage {
  body: string;
  group: string;
  /** Default: the body (bodies are unique in the tests). */
  deduplicationId?: string;
}

/** Sends in order, in SendMessageBatch calls of 10; resolves with the entries SQS accepted. */
export async function sendFifo(
  client: SQSClient,
  queueUrl: string,
  messages: readonly FifoMessage[],
): Promise<SendMessageBatchResultEntry[]> {
  const accepted: SendMessageBatchResultEntry[] = [];
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10);
    const { Successful, Failed } = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({
          Id: String(index),
          MessageBody: message.body,
          MessageGroupId: message.group,
          MessageDeduplicationId: message.deduplicationId ?? message.body,
        })),
      }),
    );
    if (Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(Failed)}`);
    accepted.push(...[...(Successful ?? [])].sort((a, b) => Number(a.Id) - Number(b.Id)));
  }
  return accepted;
}

/** `count` messages per group, sent round-robin across groups: g-1 of each, then g-2, ... */
export function interleaved(groups: readonly string[], count: number): FifoMessage[] {
  return Array.from({ length: count }, (_, i) => groups.map((group) => ({ body: `${group}-${i + 1}`, group }))).flat();
}

export async function receive(
  client: SQSClient,
  queueUrl: string,
  options: { max?: number; waitSeconds?: number } = {},
): Promise<Message[]> {
  const { Messages } = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.max ?? 10,
      WaitTimeSeconds: options.waitSeconds ?? 0,
      AttributeNames: ['All'],
    }),
  );
  return Messages ?? [];
}

export async function deleteReceived(client: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  if (messages.length === 0) return;
  const { Failed } = await client.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
    }),
  );
  if (Failed?.length) throw new Error(`DeleteMessageBatch failed: ${JSON.stringify(Failed)}`);
}

export const bodies = (messages: readonly Message[]): string[] => messages.map((m) => m.Body ?? '');
