/**
 * What every SQS test needs: its own emulator, a client for it, queues, and a fake invoker
 * (an object whose invoke calls a test function) in place of the Lambda runtime.
 */
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { FunctionInvoker } from '../../../local-cloud/lambda/invoker.js';
import { createQueues, type CreatedQueue, type QueueSpec } from '../../../local-cloud/sqs/create-queues.js';
import {
  SqsEventSourceMapping,
  type MappingLogger,
  type SqsEventSourceMappingOptions,
} from '../../../local-cloud/sqs/event-source-mapping.js';
import { LOCAL_SQS_REGION, startSqsServer, type SqsServer } from '../../../local-cloud/sqs/sqs-server.js';

export const REGION = LOCAL_SQS_REGION;
/** Generous per-test timeout: redelivery tests wait for real visibility timeouts. */
export const TEST_TIMEOUT_MS = 45_000;

export interface Harness {
  server: SqsServer;
  client: SQSClient;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const server = await startSqsServer();
  const client = new SQSClient({
    endpoint: server.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    server,
    client,
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}

/** A work queue with a DLQ, as the fan-out queue is deployed (short timeouts for tests). */
export async function createWorkQueue(
  client: SQSClient,
  name: string,
  options: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number; fifo?: boolean } = {},
): Promise<{ queue: CreatedQueue; dlq: CreatedQueue }> {
  const suffix = options.fifo ? '.fifo' : '';
  const fifoAttributes: Record<string, string> = options.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {};
  const specs: QueueSpec[] = [
    {
      logicalId: 'Work',
      name: `${name}${suffix}`,
      attributes: { VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 1), ...fifoAttributes },
      redrive: { deadLetterLogicalId: 'WorkDlq', maxReceiveCount: options.maxReceiveCount ?? 5 },
    },
    { logicalId: 'WorkDlq', name: `${name}-dlq${suffix}`, attributes: { ...fifoAttributes } },
  ];
  const queues = await createQueues(client, specs);
  return { queue: queues.get('Work')!, dlq: queues.get('WorkDlq')! };
}

export async function sendBodies(client: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    const { Failed } = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(start, start + 10).map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    if (Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(Failed)}`);
  }
}

/** Visible + in-flight + delayed messages of a queue, as SQS reports them. */
export async function messagesIn(client: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** Drains whatever a queue currently delivers (used on DLQs). */
export async function receiveAll(client: SQSClient, queueUrl: string): Promise<Message[]> {
  const { Messages } = await client.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, AttributeNames: ['All'] }),
  );
  return Messages ?? [];
}

export type Handler = (event: SQSEvent) => unknown;

export function fakeInvoker(handler: Handler): FunctionInvoker & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async invoke(functionName: string, event: unknown) {
      calls.push(functionName);
      return handler(event as SQSEvent);
    },
  };
}

/** Collects the mapping's log lines so tests stay quiet and can assert on them. */
export function recordingLogger(): MappingLogger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const logger = ((level, message) => {
    lines.push({ level, message });
  }) as MappingLogger & { lines: typeof lines };
  logger.lines = lines;
  return logger;
}

/** Starts a mapping on `queue` that invokes `handler`; stopped by the returned stop(). */
export function startMapping(
  harness: Harness,
  queue: CreatedQueue,
  handler: Handler,
  options: Partial<Omit<SqsEventSourceMappingOptions, 'client' | 'queueUrl' | 'queueArn' | 'invoker'>> = {},
): { mapping: SqsEventSourceMapping; invoker: ReturnType<typeof fakeInvoker>; logger: ReturnType<typeof recordingLogger> } {
  const invoker = fakeInvoker(handler);
  const logger = recordingLogger();
  const mapping = new SqsEventSourceMapping({
    client: harness.client,
    queueUrl: queue.url,
    queueArn: queue.arn,
    region: REGION,
    functionName: 'fan-out-worker',
    invoker,
    reportBatchItemFailures: true,
    logger,
    ...options,
  });
  mapping.start();
  return { mapping, invoker, logger };
}

/** Counts deliveries per message body: the tests' ledger of what the function saw. */
export class DeliveryLog {
  readonly deliveries: { body: string; messageId: string; receiveCount: number; at: number; record: SQSRecord }[] = [];

  record(event: SQSEvent): void {
    for (const record of event.Records) {
      this.deliveries.push({
        body: record.body,
        messageId: record.messageId,
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
        at: Date.now(),
        record,
      });
    }
  }

  count(body: string): number {
    return this.deliveries.filter((d) => d.body === body).length;
  }

  of(body: string): DeliveryLog['deliveries'] {
    return this.deliveries.filter((d) => d.body === body);
  }
}
