import { randomBytes } from 'node:crypto';
import type { PushPipelineCosts } from '../push-cost-model.js';
import type { BenchCloud, Delta, TestClient } from '../support.js';
import { closeAll, log, sleep } from '../support.js';
import { averageCost } from './measure.js';

const isPipeline = (name: string): boolean => /^Push(Dispatcher|Worker)/.test(name);
const text = (value: string) => ({ kind: 'text', text: value });
let counter = 0;

/** The notification pipeline's share of a delta: its functions' DynamoDB calls and invocations; all SQS traffic is theirs here. */
function pipelineOnly(delta: Delta): Delta {
  const pick = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).filter(([name]) => isPipeline(name)));
  return { ...delta, entries: delta.entries.filter((entry) => /Push(Dispatcher|Worker)/.test(entry.caller)), invocations: pick(delta.invocations), durationsMs: pick(delta.durationsMs), management: {}, framesIn: 0, framesOut: 0 };
}

async function must(client: TestClient, action: string, params: Record<string, unknown>): Promise<any> {
  const reply = await client.request(action, params, 60_000);
  if (!reply.ok) throw new Error(`${action} failed: ${JSON.stringify(reply.error)}`);
  return reply.data;
}

/** Waits (bounded) until the stream dispatcher and the notification queue have handled everything written so far. */
async function pipelineSettled(bench: BenchCloud): Promise<void> {
  for (let round = 0; round < 2; round++) {
    // The delivery repair batches a minute of records before it looks: waiting for it would add a minute per sample, and it writes nothing for a message delivered whole.
    await bench.cloud.streams.drained({ ignore: ['DeliveryRepair'] });
    await bench.idle(120_000);
  }
}

/**
 * The notification pipeline's cost per direct message, for a recipient without a push token,
 * with a registered and connected device, and with a registered device that is offline.
 */
export async function measurePushCosts(bench: BenchCloud, samples = 5): Promise<PushPipelineCosts> {
  const id = `push${process.pid}-${++counter}`;
  const sender = await bench.connect(`${id}-sender`);
  const clients: TestClient[] = [sender];
  try {
    const measureCase = async (label: string, recipient: string): Promise<PushPipelineCosts['offline']> => {
      log(`push: ${label}`);
      const deltas: Delta[] = [];
      let publishes = 0;
      for (let i = 0; i < samples; i++) {
        await pipelineSettled(bench);
        const before = bench.snapshot();
        const published = bench.cloud.sns.notifications.length;
        await must(sender, 'send', { clientMsgId: `${label}-${i}`, to: recipient, body: text(`${label} ${i}`) });
        await pipelineSettled(bench);
        deltas.push(pipelineOnly(bench.since(before)));
        publishes += bench.cloud.sns.notifications.length - published;
      }
      const cost = averageCost(`push: ${label}`, bench, deltas);
      // The notification queue's receives: one per worker invocation (averageCost counts the fan-out worker's).
      cost.sqsBilled.receiveMessage = cost.lambda.PushWorker ?? 0;
      cost.sqsBilled.total = cost.sqsBilled.sendMessageBatch + cost.sqsBilled.receiveMessage + cost.sqsBilled.deleteMessageBatch;
      return { ...cost, publishes: publishes / samples };
    };

    // Warm the dispatcher and the worker: cold starts are not part of a message's cost.
    await must(sender, 'send', { clientMsgId: 'warm-up', to: `${id}-warm`, body: text('warm up') });
    await pipelineSettled(bench);
    const noDevice = await measureCase('recipient without a push token', `${id}-plain`);

    const connectedUser = `${id}-online`;
    const online = await bench.connect(connectedUser, 'phone');
    clients.push(online);
    await must(online, 'registerPush', { platform: 'apns', token: randomBytes(32).toString('hex') });
    const connected = await measureCase('registered device, connected', connectedUser);

    const offlineUser = `${id}-offline`;
    const phone = await bench.connect(offlineUser, 'phone');
    await must(phone, 'registerPush', { platform: 'fcm', token: `bench:${randomBytes(40).toString('base64url')}` });
    await phone.close();
    // $disconnect runs after the socket closed.
    await sleep(1_500);
    const offline = await measureCase('registered device, offline (one notification)', offlineUser);
    return { noDevice, connected, offline };
  } finally {
    await closeAll(clients);
  }
}
