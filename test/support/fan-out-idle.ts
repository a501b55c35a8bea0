import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';

/**
 * Resolves once no fan-out job is waiting or in flight in any of the stack's queues (dead-letter
 * queues aside), so a measurement that follows sees only its own work.
 */
export async function waitForQueuesIdle(cloud: LocalCloud, timeoutMs = 120_000): Promise<void> {
  const client = new SQSClient({ endpoint: cloud.sqsEndpoint, region: cloud.model.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    const deadLetterIds = new Set(cloud.model.queues.flatMap((queue) => (queue.redrive ? [queue.redrive.deadLetterLogicalId] : [])));
    const urls = await Promise.all(
      cloud.model.queues
        .filter((queue) => !deadLetterIds.has(queue.logicalId))
        .map(async (queue) => (await client.send(new GetQueueUrlCommand({ QueueName: queue.name }))).QueueUrl!),
    );
    const deadline = Date.now() + timeoutMs;
    let quietRounds = 0;
    while (quietRounds < 3) {
      if (Date.now() > deadline) throw new Error('fan-out queues did not drain in time');
      const counts = await Promise.all(
        urls.map(async (QueueUrl) => {
          const { Attributes = {} } = await client.send(
            new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
          );
          return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
        }),
      );
      quietRounds = counts.every((count) => count === 0) ? quietRounds + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
}
