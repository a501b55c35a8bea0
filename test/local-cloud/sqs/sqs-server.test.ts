import { connect } from 'node:net';
import {
  CreateQueueCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSqsServer, type SqsServer } from '../../../local-cloud/sqs/sqs-server.js';
import { REGION, TEST_TIMEOUT_MS } from './harness.js';

function clientFor(server: SqsServer): SQSClient {
  return new SQSClient({ endpoint: server.endpoint, region: REGION, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
}

function canConnect(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startSqsServer', { timeout: TEST_TIMEOUT_MS }, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('listens on loopback only, on a free port, with queue URLs and ARNs on that endpoint', async () => {
    const [a, b] = [await startSqsServer(), await startSqsServer()];
    cleanups.push(a.stop, b.stop);
    expect(a.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.endpoint).not.toBe(b.endpoint);

    const client = clientFor(a);
    cleanups.push(() => client.destroy());
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'orders' }));
    expect(QueueUrl).toBe(`${a.endpoint}/123456789012/orders`);
    const { QueueUrls } = await clientFor(b).send(new ListQueuesCommand({}));
    expect(QueueUrls ?? []).toEqual([]);
  });

  it('stop() closes the listener even with a keep-alive connection and a long poll open', async () => {
    const server = await startSqsServer();
    const client = clientFor(server);
    cleanups.push(() => client.destroy());
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'idle' }));
    const longPoll = client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 })).catch((error: unknown) => error);

    await server.stop();
    await server.stop(); // idempotent

    expect(await canConnect(server.endpoint)).toBe(false);
    expect(await longPoll).toBeInstanceOf(Error);
  });

  it('long polls return a message once, even when the wait outlasts its visibility timeout', async () => {
    // Emulator gap-filler: unpatched local-aws-sqs would hold this poll 5 s and return the
    // same message several times (it becomes visible again every second during the poll).
    const server = await startSqsServer();
    cleanups.push(server.stop);
    const client = clientFor(server);
    cleanups.push(() => client.destroy());
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: 'short-visibility', Attributes: { VisibilityTimeout: '1' } }),
    );
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'once' }));

    const { Messages } = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5, AttributeNames: ['All'] }),
    );
    expect(Messages?.map((m) => m.Body)).toEqual(['once']);
    expect(Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  it('long polls still wait for a message that arrives during the wait', async () => {
    const server = await startSqsServer();
    cleanups.push(server.stop);
    const client = clientFor(server);
    cleanups.push(() => client.destroy());
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'late' }));

    const poll = client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' }));
    expect((await poll).Messages?.map((m) => m.Body)).toEqual(['late']);
  });
});
