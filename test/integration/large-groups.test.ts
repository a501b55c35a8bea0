import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CapacityLedger } from '../../local-cloud/front-door/capacity-ledger.js';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { messagesOf, syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';

const text = (value: string) => ({ kind: 'text', text: value });
let counter = 0;
const unique = (name: string) => `${name}-${process.pid}-${++counter}`;

/** The deployment setting, lowered so tests reach read fan-out with few members. */
const THRESHOLD = 20;

async function syncConversationAll(client: TestClient, conversationId: string, after = 0): Promise<any[]> {
  const messages: any[] = [];
  let cursor = after;
  for (;;) {
    const reply = await client.request('syncConversation', { conversationId, after: cursor, limit: 200 });
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
    messages.push(...reply.data.items);
    if (reply.data.items.length > 0) cursor = reply.data.items.at(-1).conversationSeq;
    if (!reply.data.hasMore) return messages;
  }
}

describe('large groups (read fan-out)', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const connect = async (userId: string) => {
    const client = await connectAs(cloud, userId);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { LARGE_GROUP_THRESHOLD: String(THRESHOLD) }, queueAttributes: { VisibilityTimeout: '10' } });
  });
  afterEach(() => cloud.lambda.faults.clear());
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('costs the same writes per message at 31 and at 500 members; online members are pushed, offline ones catch up', async () => {
    const members = [...Array(499).keys()].map((index) => unique(`lg${index}`));
    const owner = await connect(unique('owner'));
    const created = await owner.request('createGroup', { title: 'town hall', members: members.slice(0, 30) });
    const conversationId = created.data.conversationId;
    const online = await Promise.all(members.slice(0, 8).map(connect));

    const measuredSend = async (label: string) => {
      await waitForQueuesIdle(cloud);
      const mark = cloud.dynamoFrontDoor.ledger.mark();
      const reply = await owner.request('send', { clientMsgId: label, conversationId, body: text(label) });
      expect(reply.ok, JSON.stringify(reply)).toBe(true);
      expect(reply.data.seq).toBeNull();
      await Promise.all(online.map((client) => client.waitForEvent('groupMessage', (message) => message.msgId === reply.data.msgId)));
      await waitForQueuesIdle(cloud);
      return CapacityLedger.total(cloud.dynamoFrontDoor.ledger.since(mark));
    };
    // The first send of each minute costs one more write (it opens the sender's rate window),
    // so each size is measured twice and the cheaper send compared.
    const cheaper = async (label: string) => {
      const [first, second] = [await measuredSend(`${label} #1`), await measuredSend(`${label} #2`)];
      return first.write <= second.write ? first : second;
    };
    const small = await cheaper('at 31 members');

    for (let start = 30; start < members.length; start += 100) {
      const added = await owner.request('addMembers', { conversationId, members: members.slice(start, start + 100) });
      expect(added.ok, JSON.stringify(added)).toBe(true);
    }
    const list = (await owner.request('conversations')).data.items.find((item: any) => item.conversationId === conversationId);
    expect(list).toMatchObject({ large: true, memberCount: 500, latestSeq: 2 });
    const big = await cheaper('at 500 members');
    console.log('large group message cost', { small, big });
    expect(big.write).toBe(small.write);
    expect(big.write).toBeLessThanOrEqual(10);
    expect(big.scans).toBe(0);

    // A member who was offline learns of the group from its timeline and catches up by conversationSeq.
    const late = await connect(members[400]!);
    const summary = (await late.request('conversations')).data.items.find((item: any) => item.conversationId === conversationId);
    expect(summary).toMatchObject({ large: true, latestSeq: 4, unread: 2 });
    const caughtUp = await syncConversationAll(late, conversationId);
    expect(caughtUp.map((message) => message.body.text)).toEqual(['at 31 members #1', 'at 31 members #2', 'at 500 members #1', 'at 500 members #2']);
    expect(messagesOf(await syncAll(late)).filter((m) => m.conversationId === conversationId)).toEqual([]);
    // Building a 500-member group is a lot of work for a shared 2-core machine: a hang guard only.
    // (The write count is the same at 25 times the threshold as at 31: `npm run bench` measures 10,000.)
  }, 300_000);

  it('switches a growing group to read fan-out without losing or duplicating a message for anyone', async () => {
    const original = [...Array(10).keys()].map((index) => unique(`sw${index}`));
    const joiners = [...Array(15).keys()].map((index) => unique(`jn${index}`));
    const owner = await connect(original[0]!);
    const conversationId = (await owner.request('createGroup', { title: 'growing', members: original.slice(1) })).data.conversationId;
    const send = (label: string) => owner.request('send', { clientMsgId: label, conversationId, body: text(label) });
    for (const label of ['w1', 'w2', 'w3']) expect((await send(label)).ok).toBe(true);
    // Messages race the membership change that crosses the threshold.
    const [grow, ...racing] = await Promise.all([
      owner.request('addMembers', { conversationId, members: joiners }),
      send('r1'),
      send('r2'),
    ]);
    expect(grow.ok, JSON.stringify(grow)).toBe(true);
    for (const reply of racing) expect(reply.ok).toBe(true);
    for (const label of ['l1', 'l2']) expect((await send(label)).ok).toBe(true);
    const all = ['w1', 'w2', 'w3', 'r1', 'r2', 'l1', 'l2'];

    for (const userId of [...original.slice(1, 4), joiners[0]!]) {
      const client = await connect(userId);
      // What a client holds: its timeline's messages, then the conversation from the highest contiguous cseq.
      let timeline: any[] = [];
      await expect
        .poll(
          async () => {
            timeline = messagesOf(await syncAll(client)).filter((m) => m.conversationId === conversationId);
            const events = (await syncAll(client)).filter((item) => item.system?.conversationId === conversationId).map((item) => item.system!.event);
            return events.includes('groupBecameLarge') || joiners.includes(userId);
          },
          { timeout: 60_000, interval: 200 },
        )
        .toBe(true);
      expect(new Set(timeline.map((m) => m.msgId)).size).toBe(timeline.length);
      const held = new Set(timeline.map((m) => m.conversationSeq));
      let contiguous = 0;
      while (held.has(contiguous + 1)) contiguous++;
      const caughtUp = await syncConversationAll(client, conversationId, contiguous);
      const seen = [...timeline, ...caughtUp].sort((a, b) => a.conversationSeq - b.conversationSeq);
      const bySeq = new Map(seen.map((m) => [m.conversationSeq, m.body.text]));
      expect([...bySeq.keys()].sort((a, b) => a - b), userId).toEqual(all.map((_label, index) => index + 1));
      expect(new Set(bySeq.values())).toEqual(new Set(all));
    }
    const summary = (await owner.request('conversations')).data.items.find((item: any) => item.conversationId === conversationId);
    expect(summary).toMatchObject({ large: true, memberCount: 25, latestSeq: 7 });
  });
});
