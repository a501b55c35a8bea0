import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapacityLedger, type CapacityEntry } from '../../local-cloud/front-door/capacity-ledger.js';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { ok } from '../support/replies.js';
import { seedDirectConversations } from '../support/seed-conversations.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import type { TestClient } from '../support/ws-client.js';

/**
 * What a `conversations` page and a `read` cost, as DynamoDB reports them, for a user with 11
 * conversations and one with 501 (issue 18: the same whatever the number of conversations; 5,000 in
 * `npm run bench`). Each user has one live conversation (real sends from a peer) and the rest
 * seeded in the tables, three of them unread. Units are deterministic: the two users must cost
 * exactly the same.
 */
describe('cost of the conversation list and of read', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  const unitsOf = (entries: readonly CapacityEntry[], fn: RegExp) => {
    const mine = entries.filter((entry) => fn.test(entry.caller));
    return { ...CapacityLedger.total(mine), detail: mine.map((e) => `${e.caller.slice(0, 40)} ${e.operation} ${e.table.replace(/-[A-Z0-9]+$/, '')} r=${e.read} w=${e.write}`) };
  };

  async function measureUser(size: number) {
    const userId = `list-${size}-${tag}`;
    const peerId = `peer-${size}-${tag}`;
    await seedDirectConversations(cloud, userId, size, { unread: 3 });
    const user = await connectAs(cloud, userId);
    const peer = await connectAs(cloud, peerId);
    clients.push(user, peer);
    for (const n of [1, 2]) await ok(peer.request('send', { clientMsgId: `live-${n}`, to: userId, body: { kind: 'text', text: `live ${n}` } }));

    const measure = async (action: string, data: Record<string, unknown>, fn: RegExp) => {
      const mark = cloud.dynamoFrontDoor.ledger.mark();
      const reply = await ok(user.request(action, data));
      return { reply, units: unitsOf(cloud.dynamoFrontDoor.ledger.since(mark), fn) };
    };
    // The first page applies the timeline's tail (the two live messages) to the index.
    const catchUp = await measure('conversations', { limit: 3 }, /Conversations/);
    const first = await measure('conversations', { limit: 3 }, /Conversations/);
    const second = await measure('conversations', { limit: 3, cursor: first.reply.cursor }, /Conversations/);
    const live = catchUp.reply.items[0];
    const read = await measure('read', { conversationId: live.conversationId, upTo: 2 }, /Read/);
    return { catchUp, first, second, read, live };
  }

  // Seeding 500 conversations into DynamoDB Local takes a minute or more on a loaded 2-core machine.
  it('costs the same for a page and for read with 11 and with 501 conversations', { timeout: 300_000 }, async () => {
    const small = await measureUser(10);
    const big = await measureUser(500);
    for (const [name, result] of Object.entries({ small, big })) {
      // The live conversation comes first (newest activity), with its two unread messages.
      expect(result.live).toMatchObject({ kind: 'direct', unread: 2 });
      expect(result.catchUp.reply).toMatchObject({ hasMore: true, totalUnread: 5 });
      expect(result.first.reply.items.map((item: any) => item.conversationId)).toEqual(result.catchUp.reply.items.map((item: any) => item.conversationId));
      expect(result.read.reply).toEqual({ unread: 0, totalUnread: 3 });
      console.log(
        `${name}:`,
        JSON.stringify({ catchUp: total(result.catchUp), first: total(result.first), second: total(result.second), read: total(result.read) }),
        '\n  first page:\n    ' + result.first.units.detail.join('\n    ') + '\n  read:\n    ' + result.read.units.detail.join('\n    '),
      );
    }
    expect(total(big.first)).toEqual(total(small.first));
    expect(total(big.second)).toEqual(total(small.second));
    expect(total(big.catchUp)).toEqual(total(small.catchUp));
    expect(total(big.read)).toEqual(total(small.read));
    // The budget of a page of 3 and of a read (docs/data-model.md, "Conversation list").
    // First page, nothing new in the timeline: mark, timeline tail, byUnread, large groups (none),
    // byActivity, rows + heads + last messages of the page, the three flagged heads outside it, blocks.
    expect(total(big.first)).toEqual({ read: 10, write: 0, calls: 11, scans: 0 });
    expect(total(big.second)).toEqual({ read: 8, write: 0, calls: 7, scans: 0 });
    // read: row, head (consistent), the read position, two device lookups for the read event, the
    // flag cleared (table + index), mark, tail, byUnread, the three other flagged heads.
    expect(total(big.read)).toEqual({ read: 5, write: 3, calls: 10, scans: 0 });
  });
});

const total = (result: { units: { read: number; write: number; calls: number; scans: number } }) => ({
  read: result.units.read,
  write: result.units.write,
  calls: result.units.calls,
  scans: result.units.scans,
});
