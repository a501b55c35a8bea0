/**
 * EMULATOR GAP-FILLER (local-aws-sqs 2.0.2 only; not needed against AWS or LocalStack).
 *
 * AWS long polling returns as soon as at least one message is available. local-aws-sqs
 * instead keeps a long poll open until `MaxNumberOfMessages` messages are collected or the
 * whole `WaitTimeSeconds` has elapsed, and the visibility timeout of a collected message
 * starts when it is collected, not when the response is sent. With a long poll longer than
 * the queue's visibility timeout, a message collected early becomes visible again while the
 * poll is still open: the same response then carries it twice (with two receipt handles),
 * or a concurrent poller receives it too. That breaks the delivery guarantees we test.
 *
 * We restore AWS's semantics by replacing each queue's `receive` with a loop of short
 * receives (the emulator collects for ~40 ms) that returns on the first non-empty result or
 * when the wait time is over. This touches the emulator's queue objects, which is why it
 * lives beside `startSqsServer`: clients still talk to SQS only through the SQS API.
 */
import type { createRequestHandler } from 'local-aws-sqs';

type EmulatorService = ReturnType<typeof createRequestHandler>['service'];
type EmulatorQueue = EmulatorService['Queues'][number];
type ReceiveParams = Parameters<EmulatorQueue['receive']>[0];

/** Pause between two empty short receives of one long poll. */
const EMPTY_RECEIVE_PAUSE_MS = 25;

const patchedQueues = new WeakSet<EmulatorQueue>();

/**
 * Gives every queue of the emulator AWS's long-poll semantics. Call it before each request
 * is handled so a queue created by the previous request is patched before its first receive.
 * `isClosed` ends pending long polls early once the server is stopping.
 */
export function applyAwsLongPolling(service: EmulatorService, isClosed: () => boolean): void {
  for (const queue of service.Queues) {
    if (patchedQueues.has(queue)) continue;
    patchedQueues.add(queue);
    const shortReceive = queue.receive.bind(queue);
    queue.receive = async (params: ReceiveParams) => {
      const { WaitTimeSeconds, ...rest } = (params ?? {}) as Record<string, unknown>;
      const waitSeconds = Number(WaitTimeSeconds ?? queue.ReceiveMessageWaitTimeSeconds);
      const deadline = Date.now() + (Number.isFinite(waitSeconds) ? waitSeconds * 1000 : 0);
      for (;;) {
        const messages = await shortReceive({ ...rest, WaitTimeSeconds: 0 });
        if (messages.length > 0 || Date.now() >= deadline || isClosed()) return messages;
        await pause(Math.min(EMPTY_RECEIVE_PAUSE_MS, deadline - Date.now()));
      }
    };
  }
}

function pause(ms: number): Promise<void> {
  // unref: a pending long poll must not keep a test process alive after the server stops.
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}
