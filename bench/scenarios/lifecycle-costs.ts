import type { BenchCloud, Delta, TestClient } from '../support.js';
import { closeAll, sleep } from '../support.js';
import { averageCost, type OperationCost } from './measure.js';
import type { BuiltGroup } from './message-costs.js';

/** What changing a message costs: an edit, a reaction, a recall, and a delivered receipt. */
export interface LifecycleCost {
  operation: 'edit' | 'react' | 'recall' | 'delivered';
  conversation: 'direct' | 'group' | 'large group';
  members: number;
  /** Members other than the actor: who gets the change (an `update` item, or a `groupUpdate` push). */
  recipients: number;
  cost: OperationCost;
}

const OPERATIONS = ['edit', 'react', 'recall', 'delivered'] as const;
const text = (value: string) => ({ kind: 'text', text: value });
let seq = 0;
const clientMsgId = () => `life-${process.pid}-${++seq}`;

async function must(client: TestClient, action: string, params: Record<string, unknown>): Promise<any> {
  const reply = await client.request(action, params, 120_000);
  if (!reply.ok) throw new Error(`${action} failed: ${JSON.stringify(reply.error)}`);
  return reply.data;
}

interface Place {
  conversation: LifecycleCost['conversation'];
  members: number;
  /** The sender of the measured messages (edits and recalls are the sender's). */
  actor: TestClient;
  /** A member other than the actor, online: acknowledges delivery. */
  reader: TestClient;
  target: { to: string } | { conversationId: string };
}

/**
 * Each operation on a message sent (unmeasured) just before it, isolated by idle queues before
 * and after, so the figure holds everything the change causes: the actor's request, the fan-out
 * of `update` items to every member (write fan-out) or the `groupUpdate` push (read fan-out), and
 * the stream consumers. A delivered receipt is the reader's `delivered` for that message.
 */
async function measurePlace(bench: BenchCloud, place: Place, samples: number): Promise<LifecycleCost[]> {
  const results: LifecycleCost[] = [];
  for (const operation of OPERATIONS) {
    const deltas: Delta[] = [];
    for (let i = 0; i < samples; i++) {
      const sent = await must(place.actor, 'send', { clientMsgId: clientMsgId(), ...place.target, body: text(`to be changed ${i}`) });
      const where = { conversationId: sent.conversationId, conversationSeq: sent.conversationSeq };
      await bench.idle(600_000);
      await sleep(200);
      const before = bench.snapshot();
      if (operation === 'edit') await must(place.actor, 'edit', { ...where, body: text(`changed ${i}`) });
      else if (operation === 'react') await must(place.actor, 'react', { ...where, emoji: '👍', on: true });
      else if (operation === 'recall') await must(place.actor, 'recall', where);
      else await must(place.reader, 'delivered', { conversationId: sent.conversationId, upTo: sent.conversationSeq });
      await bench.idle(600_000);
      await sleep(200);
      deltas.push(bench.since(before));
    }
    results.push({
      operation,
      conversation: place.conversation,
      members: place.members,
      recipients: place.members - 1,
      cost: averageCost(`${operation}, ${place.conversation} of ${place.members}`, bench, deltas),
    });
  }
  return results;
}

/** Edits, reactions, recalls and delivered receipts in a direct chat and in the given groups (their owner acts, a member reads). */
export async function measureLifecycleCosts(bench: BenchCloud, groups: { group: BuiltGroup; large: boolean }[], samples = 3): Promise<LifecycleCost[]> {
  const prefix = `life${process.pid}`;
  const alice = await bench.connect(`${prefix}-alice`);
  const bob = await bench.connect(`${prefix}-bob`);
  const results: LifecycleCost[] = [];
  try {
    results.push(...(await measurePlace(bench, { conversation: 'direct', members: 2, actor: alice, reader: bob, target: { to: `${prefix}-bob` } }, samples)));
    for (const { group, large } of groups) {
      const [reader] = await bench.connectMany([group.members[1]!]);
      try {
        results.push(
          ...(await measurePlace(
            bench,
            { conversation: large ? 'large group' : 'group', members: group.members.length, actor: group.owner, reader: reader!, target: { conversationId: group.conversationId } },
            samples,
          )),
        );
      } finally {
        await closeAll([reader!]);
      }
    }
  } finally {
    await closeAll([alice, bob]);
  }
  return results;
}
