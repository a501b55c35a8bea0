/**
 * EMULATOR GAP-FILLER (local-aws-sqs 2.0.2 only; not needed against AWS or LocalStack).
 *
 * What AWS guarantees for a FIFO queue (`.fifo`), and what local-aws-sqs 2.0.2 does instead:
 *
 * 1. Message groups. Messages of one MessageGroupId are delivered in the order they were
 *    sent, and while any message of a group is in flight (received, and neither deleted nor
 *    made visible again by its visibility timeout or ChangeMessageVisibility 0) no later
 *    message of that group is delivered to anyone. One receive may return several messages of
 *    a group, in order; other groups flow meanwhile. This is what lets several consumers (two
 *    pollers of an event-source mapping) share a FIFO queue without reordering a group.
 *    The emulator hands out any visible message: a later message of a group is delivered
 *    while an earlier one is in flight, so it overtakes a message that failed and waits for
 *    its visibility timeout, and two consumers process one group at the same time.
 *
 * 2. Deduplication. A message whose MessageDeduplicationId (explicit or content-based) was
 *    already sent within the last 5 minutes is accepted (same MessageId and SequenceNumber as
 *    the original in the answer) but not enqueued, whether or not the original is still in
 *    the queue. The emulator only compares with messages still in the queue: once the
 *    original is deleted (or moved to the DLQ) a resend is enqueued again.
 *
 * 3. SequenceNumber: AWS gives every message of a FIFO queue a number that increases within
 *    its group. The emulator builds it from a random per-group prefix and a counter whose
 *    digits overwrite the prefix's tail, so the 10th message of a group gets a shorter,
 *    smaller number than the 9th.
 *
 * How we fill the gaps (the emulator's internals, as emulator-long-poll.ts also relies on):
 * the queue keeps its messages in a private array, in send order, as entries
 * `{ visible, delayed, record }`. We get hold of each entry through the queue's public
 * `newRecord` (every message enters a queue through it: sends, redrives to a DLQ, move tasks).
 * - (1) A receive collects messages in ticks; each tick walks that array in order and takes
 *   every entry with `!entry.delayed && entry.visible`. We turn each entry's `delayed` into a
 *   getter that, during such a walk, also answers "held back" for an entry whose group already
 *   had an earlier entry in flight (or held back) in the same walk. An entry taken in this
 *   walk was visible when the walk reached it, so it does not hold its successors back: they
 *   join the same batch, in order. The walk only ever sees entries still in the queue, so a
 *   message deleted, expired or redriven to the DLQ no longer blocks its group. A walk is
 *   synchronous and runs in a timer callback of its own, and Node runs microtasks after each
 *   timer callback, so the per-walk state is dropped in a microtask. Concurrent receives (two
 *   pollers) walk one after the other and each sees what the other took as in flight.
 *   `getAttributes` reads `delayed` too (ApproximateNumberOfMessages); it gets the emulator's
 *   own value.
 * - (2) We wrap `setRecord` (SendMessage and each SendMessageBatch entry go through it) with a
 *   5-minute memory of deduplication ids, keyed by DeduplicationScope.
 * - (3) `newRecord` stamps each message with a process-wide increasing SequenceNumber.
 *
 * Redrive to a FIFO dead-letter queue needs nothing more: the emulator moves a message whose
 * visibility timeout expires with ApproximateReceiveCount >= maxReceiveCount (group id and
 * deduplication id kept), and with (1) the rest of its group waits until it is gone, as in AWS.
 *
 * Not emulated: a message still in the queue more than 5 minutes after it was sent keeps
 * deduplicating resends (the emulator's own check); ReceiveRequestAttemptId; FIFO throughput
 * limits. Not FIFO-specific, filled in emulator-visibility.ts: the emulator counts each
 * ChangeMessageVisibility as a receive.
 *
 * Clients still talk to SQS only through the SQS API; this only changes what the emulator's
 * queues answer. test/local-cloud/sqs/fifo-*.test.ts fail without this file, so they also tell
 * whether a new local-aws-sqs still has these gaps and these internals.
 */
import type { createRequestHandler } from 'local-aws-sqs';

type EmulatorService = ReturnType<typeof createRequestHandler>['service'];
type EmulatorQueue = EmulatorService['Queues'][number];

/** The parts of the emulator's internal queue entry that we read or wrap. */
interface EmulatorEntry {
  visible: boolean;
  delayed: boolean;
  record: { MessageId: string; attributes: Record<string, string | undefined> };
}

/** What `setRecord` answers; SendMessage(Batch) builds its response from it. */
interface SetRecordResult {
  record: EmulatorEntry['record'];
  MD5OfMessageSystemAttributes?: string;
}

type CreateRecord = (input: Record<string, unknown>) => [EmulatorEntry['record'], string | undefined];

/** AWS's deduplication interval. */
export const FIFO_DEDUPLICATION_INTERVAL_MS = 5 * 60 * 1000;

const patchedQueues = new WeakSet<EmulatorQueue>();

/**
 * Gives every FIFO queue of the emulator AWS's FIFO semantics. Call it before each request is
 * handled (as applyAwsLongPolling) so a queue is patched before its first message arrives.
 */
export function applyAwsFifoSemantics(service: EmulatorService): void {
  for (const queue of service.Queues) {
    if (patchedQueues.has(queue)) continue;
    patchedQueues.add(queue);
    // FifoQueue is fixed at creation, as in AWS.
    if (!queue.FifoQueue) continue;
    holdBackMessageGroups(queue);
    rememberDeduplicationIds(queue);
  }
}

/** (1) and (3): see the header. */
function holdBackMessageGroups(queue: EmulatorQueue): void {
  /** State of the receive tick currently walking this queue's entries, if any. */
  let walk: { heldGroups: Set<string>; answers: Map<EmulatorEntry, boolean> } | undefined;
  let readingAttributes = false;

  const getAttributes = queue.getAttributes.bind(queue);
  queue.getAttributes = (names?: string[]) => {
    readingAttributes = true;
    try {
      return getAttributes(names);
    } finally {
      readingAttributes = false;
    }
  };

  const heldBack = (entry: EmulatorEntry, delayed: boolean): boolean => {
    if (!walk) {
      walk = { heldGroups: new Set(), answers: new Map() };
      queueMicrotask(() => {
        walk = undefined;
      });
    }
    // The tick reads `delayed` again when it copies an entry it has just taken: same answer,
    // and taking it (now in flight) must not hold back the rest of its group in this walk.
    const answered = walk.answers.get(entry);
    if (answered !== undefined) return answered;
    const group = entry.record.attributes.MessageGroupId;
    const answer = delayed || (group !== undefined && walk.heldGroups.has(group));
    if (group !== undefined && (answer || !entry.visible)) walk.heldGroups.add(group);
    walk.answers.set(entry, answer);
    return answer;
  };

  const newRecord = queue.newRecord;
  queue.newRecord = (message: Record<string, unknown>, delay?: number) => {
    const entry = newRecord(message, delay) as EmulatorEntry;
    if (entry.record.attributes.MessageGroupId !== undefined) {
      entry.record.attributes.SequenceNumber = nextSequenceNumber();
    }
    let delayed = entry.delayed;
    Object.defineProperty(entry, 'delayed', {
      configurable: true,
      enumerable: true,
      get: () => (readingAttributes ? delayed : heldBack(entry, delayed)),
      set: (value: boolean) => {
        delayed = value; // the emulator's own delay timer (queue DelaySeconds)
      },
    });
    return entry;
  };
}

/**
 * Process-wide, so numbers also increase across queues (a DLQ's copy of a message included).
 * Seeded from the clock: 20 digits, like the numbers AWS returns.
 */
let lastSequenceNumber = BigInt(Date.now()) * 10_000_000n;

function nextSequenceNumber(): string {
  lastSequenceNumber += 1n;
  return String(lastSequenceNumber);
}

/** (2): see the header. */
function rememberDeduplicationIds(queue: EmulatorQueue): void {
  /** By deduplication key, in send order (so expired ones are at the front). */
  const sent = new Map<string, { messageId: string; sequenceNumber: string | undefined; expiresAt: number }>();
  const createRecord = (queue.constructor as unknown as { createRecord: CreateRecord }).createRecord;
  const setRecord = queue.setRecord;

  queue.setRecord = (input: Record<string, unknown>, messageId?: string): SetRecordResult => {
    // Only API sends are deduplicated. A redrive to the DLQ passes the message's id; a DLQ
    // move task (StartMessageMoveTask) passes neither the QueueUrl of SendMessage nor the Id
    // of a SendMessageBatch entry. Those go to the emulator unchanged.
    const isApiSend = messageId === undefined && ('QueueUrl' in input || 'Id' in input);
    const group = input.MessageGroupId;
    const deduplicationId = input.MessageDeduplicationId; // content-based: already the body's SHA-256
    if (!isApiSend || typeof group !== 'string' || typeof deduplicationId !== 'string') {
      return setRecord(input, messageId) as SetRecordResult;
    }

    const now = Date.now();
    for (const [key, { expiresAt }] of sent) {
      if (expiresAt > now) break;
      sent.delete(key);
    }
    const key = queue.DeduplicationScope === 'messageGroup' ? `${group}\u0000${deduplicationId}` : deduplicationId;
    const original = sent.get(key);
    if (original && original.expiresAt > now) {
      // Accepted, not enqueued; the answer names the original message, as the emulator does
      // for a duplicate still in the queue (MD5s are of what this request sent).
      const [record, md5OfSystemAttributes] = createRecord({
        ...input,
        MessageId: original.messageId,
        SequenceNumber: original.sequenceNumber,
      });
      return { record, ...(md5OfSystemAttributes && { MD5OfMessageSystemAttributes: md5OfSystemAttributes }) };
    }
    const result = setRecord(input, messageId) as SetRecordResult;
    sent.delete(key); // (re)inserted at the end, so expired ids gather at the front
    sent.set(key, {
      messageId: result.record.MessageId,
      sequenceNumber: result.record.attributes.SequenceNumber,
      expiresAt: now + FIFO_DEDUPLICATION_INTERVAL_MS,
    });
    return result;
  };
}
