/**
 * EMULATOR GAP-FILLER (local-aws-sqs 2.0.2 only; not needed against AWS or LocalStack).
 *
 * In AWS, ChangeMessageVisibility changes when a message in flight becomes visible again and
 * nothing else: ApproximateReceiveCount counts receives only, so a consumer that hands a message
 * back at once (visibility 0) does not bring it closer to its dead-letter queue. The emulator
 * counts every visibility change as a receive. We keep the count a message had before the change.
 *
 * How: the emulator's receipt handles are base64 of `<uuid>{"date","MessageId","QueueName"}`, and
 * every message enters a queue through `newRecord` (as emulator-fifo.ts also relies on), which
 * gives us its entry. Entries are held weakly, so a deleted message is not kept alive for this.
 * test/local-cloud/sqs/visibility-change.test.ts fails without this file.
 */
import type { createRequestHandler } from 'local-aws-sqs';

type EmulatorService = ReturnType<typeof createRequestHandler>['service'];
type EmulatorQueue = EmulatorService['Queues'][number];

interface EmulatorEntry {
  record: { MessageId: string; attributes: Record<string, string | undefined> };
}

const patchedQueues = new WeakSet<EmulatorQueue>();

/** Call before each request is handled, like the other gap-fillers, so new queues are patched. */
export function applyAwsVisibilityChanges(service: EmulatorService): void {
  for (const queue of service.Queues) {
    if (patchedQueues.has(queue)) continue;
    patchedQueues.add(queue);
    keepReceiveCountOnVisibilityChange(queue);
  }
}

function messageIdOfReceiptHandle(handle: unknown): string | undefined {
  if (typeof handle !== 'string') return undefined;
  try {
    const text = Buffer.from(handle, 'base64').toString('utf-8');
    const parsed = JSON.parse(text.slice(text.indexOf('{'))) as { MessageId?: unknown };
    return typeof parsed.MessageId === 'string' ? parsed.MessageId : undefined;
  } catch {
    return undefined;
  }
}

function keepReceiveCountOnVisibilityChange(queue: EmulatorQueue): void {
  const entries = new Map<string, WeakRef<EmulatorEntry>>();
  const forget = new FinalizationRegistry<string>((messageId) => {
    if (entries.get(messageId)?.deref() === undefined) entries.delete(messageId);
  });

  const newRecord = queue.newRecord.bind(queue);
  queue.newRecord = ((message: Record<string, unknown>, delay?: number) => {
    const entry = newRecord(message, delay) as EmulatorEntry;
    entries.set(entry.record.MessageId, new WeakRef(entry));
    forget.register(entry, entry.record.MessageId);
    return entry;
  }) as typeof queue.newRecord;

  const changeVisibility = queue.changeVisibility.bind(queue);
  queue.changeVisibility = ((receiptHandle: string, visibilityTimeout: unknown) => {
    const messageId = messageIdOfReceiptHandle(receiptHandle);
    const entry = messageId === undefined ? undefined : entries.get(messageId)?.deref();
    const before = entry?.record.attributes.ApproximateReceiveCount;
    const changed = changeVisibility(receiptHandle, visibilityTimeout as never);
    if (entry && before !== undefined) entry.record.attributes.ApproximateReceiveCount = before;
    return changed;
  }) as typeof queue.changeVisibility;
}
