/**
 * Creates the queues of the stack (as read from the synthesized template) in any SQS
 * endpoint, through the SQS API only, so the same code provisions local-aws-sqs and LocalStack.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface QueueSpec {
  /** CloudFormation logical id: what the rest of the template refers to. */
  logicalId: string;
  /** Physical queue name (must end in `.fifo` for FIFO queues, as in AWS). */
  name: string;
  /** SQS queue attributes as strings: VisibilityTimeout, MessageRetentionPeriod, FifoQueue... */
  attributes: Record<string, string>;
  /** Dead-letter queue of this queue, by logical id; its ARN is only known once it exists. */
  redrive?: { deadLetterLogicalId: string; maxReceiveCount: number };
}

export interface CreatedQueue {
  url: string;
  arn: string;
  name: string;
}

/**
 * Creates every queue and resolves with them by logical id. Dead-letter queues are created
 * before the queues that point at them, because SQS validates that a RedrivePolicy's target
 * exists and the policy needs the target's real ARN.
 */
export async function createQueues(client: SQSClient, specs: readonly QueueSpec[]): Promise<Map<string, CreatedQueue>> {
  const created = new Map<string, CreatedQueue>();
  for (const spec of inDependencyOrder(specs)) {
    const attributes = { ...spec.attributes };
    if (spec.redrive) {
      if ('RedrivePolicy' in attributes) {
        throw new Error(`Queue ${spec.logicalId}: give either redrive or attributes.RedrivePolicy, not both`);
      }
      const deadLetter = created.get(spec.redrive.deadLetterLogicalId);
      if (!deadLetter) throw new Error(`Queue ${spec.logicalId}: dead-letter queue was not created first`);
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: deadLetter.arn,
        maxReceiveCount: spec.redrive.maxReceiveCount,
      });
    }
    const { QueueUrl: url } = await client.send(new CreateQueueCommand({ QueueName: spec.name, Attributes: attributes }));
    if (!url) throw new Error(`CreateQueue ${spec.name} returned no QueueUrl`);
    // Ask SQS for the ARN rather than composing it: the endpoint decides region and account.
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    const arn = Attributes?.QueueArn;
    if (!arn) throw new Error(`GetQueueAttributes ${spec.name} returned no QueueArn`);
    created.set(spec.logicalId, { url, arn, name: spec.name });
  }
  return created;
}

/** Orders specs so each dead-letter queue comes before its sources; rejects bad references. */
export function inDependencyOrder(specs: readonly QueueSpec[]): QueueSpec[] {
  const byId = new Map<string, QueueSpec>();
  for (const spec of specs) {
    if (byId.has(spec.logicalId)) throw new Error(`Duplicate queue logical id ${spec.logicalId}`);
    byId.set(spec.logicalId, spec);
  }
  const ordered: QueueSpec[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (spec: QueueSpec): void => {
    if (done.has(spec.logicalId)) return;
    if (visiting.has(spec.logicalId)) throw new Error(`Redrive cycle through queue ${spec.logicalId}`);
    visiting.add(spec.logicalId);
    if (spec.redrive) {
      const deadLetter = byId.get(spec.redrive.deadLetterLogicalId);
      if (!deadLetter) {
        throw new Error(`Queue ${spec.logicalId}: unknown dead-letter queue ${spec.redrive.deadLetterLogicalId}`);
      }
      visit(deadLetter);
    }
    visiting.delete(spec.logicalId);
    done.add(spec.logicalId);
    ordered.push(spec);
  };
  specs.forEach(visit);
  return ordered;
}
