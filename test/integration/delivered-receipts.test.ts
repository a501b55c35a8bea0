import { directConversationId, events } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapacityLedger } from '../../local-cloud/front-door/capacity-ledger.js';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { RUN_ID } from '../support/protocol-target.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';
import { ok, refused, text } from '../support/replies.js';

/** Groups of more members than this are large (read fan-out) in this cloud. */
const LARGE_GROUP_THRESHOLD = 5;
let counter = 0;
const unique = (name: string) => `${name}-${RUN_ID}-${++counter}`;

/** The `delivered` events a client got about `conversationId`, as `userId:upTo`. */
const receiptsSeen = (client: TestClient, conversationId: string): string[] =>
  client.events.filter((event) => event.event === 'delivered' && event.data.conversationId === conversationId).map((event) => `${event.data.userId}:${event.data.upTo}`);

describe('delivered receipts', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const connect = async (userId: string, deviceId?: string) => {
    const client = await connectAs(cloud, userId, deviceId);
    clients.push(client);
    return client;
  };
  const summary = async (client: TestClient, conversationId: string) =>
    (await ok(client.request('conversations'))).items.find((item: any) => item.conversationId === conversationId);

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { LARGE_GROUP_THRESHOLD: String(LARGE_GROUP_THRESHOLD), ...NO_RATE_LIMITS } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('tells every device of the sender when the recipient’s sync reaches its messages, once, and conversations reports deliveredUpTo', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const phone = await connect(alice, 'phone');
    const laptop = await connect(alice, 'laptop');
    const conversationId = directConversationId(alice, bob);
    for (const label of ['one', 'two', 'three']) await ok(phone.request('send', { clientMsgId: label, to: bob, body: text(label) }));
    // Bob is offline: nothing is delivered yet.
    expect(await summary(phone, conversationId)).toMatchObject({ deliveredUpTo: 0, readUpTo: 3 });

    const b = await connect(bob, 'phone');
    await syncAll(b);
    for (const device of [phone, laptop]) await device.waitForEvent('delivered', (data) => data.conversationId === conversationId && data.userId === bob && data.upTo === 3);
    expect(await summary(phone, conversationId)).toMatchObject({ deliveredUpTo: 3 });
    // Bob's own view: Alice holds the conversation up to her own newest message.
    expect(await summary(b, conversationId)).toMatchObject({ deliveredUpTo: 3 });

    // A second device of Bob syncing the same messages moves nothing and tells nobody again; the
    // pushes of a sync are made before its reply, so the next receipt is the next event.
    const tablet = await connect(bob, 'tablet');
    await syncAll(tablet);
    await ok(phone.request('send', { clientMsgId: 'four', to: bob, body: text('four') }));
    await b.waitForEvent('message', (item) => item.message?.conversationSeq === 4);
    // The push acknowledged: the `delivered` action.
    expect(await ok(b.request('delivered', { conversationId, upTo: 4 }))).toEqual({});
    await phone.waitForEvent('delivered', (data) => data.upTo === 4);
    // Acknowledging again, or past the newest message, changes nothing.
    await ok(b.request('delivered', { conversationId, upTo: 4 }));
    await ok(b.request('delivered', { conversationId, upTo: 99 }));
    await ok(b.request('delivered', { conversationId, upTo: 2 }));
    await ok(phone.request('send', { clientMsgId: 'five', to: bob, body: text('five') }));
    await ok(b.request('delivered', { conversationId, upTo: 99 }));
    await phone.waitForEvent('delivered', (data) => data.upTo === 5);
    expect(receiptsSeen(phone, conversationId)).toEqual([`${bob}:3`, `${bob}:4`, `${bob}:5`]);
    expect(receiptsSeen(laptop, conversationId)).toEqual([`${bob}:3`, `${bob}:4`, `${bob}:5`]);
    expect(receiptsSeen(b, conversationId)).toEqual([]);
    expect(await summary(laptop, conversationId)).toMatchObject({ deliveredUpTo: 5 });
    for (const event of phone.events.filter((frame) => frame.event === 'delivered')) expect(events.delivered.safeParse(event.data).success).toBe(true);

    // Reading implies having received: a read position counts as delivered too.
    await ok(phone.request('send', { clientMsgId: 'six', to: bob, body: text('six') }));
    await ok(tablet.request('read', { conversationId, upTo: 6 }));
    expect(await summary(phone, conversationId)).toMatchObject({ deliveredUpTo: 6 });
    expect(await ok(phone.request('readReceipts', { conversationId, conversationSeq: 6 }))).toMatchObject({ readCount: 1, deliveredCount: 1, deliveredTo: [bob] });
  });

  it('refuses acknowledgements from outsiders and removed members', async () => {
    const [owner, member, eve] = [unique('owner'), unique('member'), unique('eve')];
    const o = await connect(owner);
    const m = await connect(member);
    const e = await connect(eve);
    const groupId = (await ok(o.request('createGroup', { title: 'acks', members: [member] }))).conversationId;
    await ok(o.request('send', { clientMsgId: 'a1', conversationId: groupId, body: text('ack me') }));
    await ok(o.request('send', { clientMsgId: 'a2', to: member, body: text('direct') }));
    await refused(e.request('delivered', { conversationId: groupId, upTo: 1 }), 'FORBIDDEN', 'notMember');
    await refused(e.request('delivered', { conversationId: directConversationId(owner, member), upTo: 1 }), 'FORBIDDEN', 'notMember');
    await refused(m.request('delivered', { conversationId: groupId, upTo: 0 }), 'BAD_REQUEST', 'invalidField');
    await ok(o.request('removeMembers', { conversationId: groupId, members: [member] }));
    await refused(m.request('delivered', { conversationId: groupId, upTo: 1 }), 'FORBIDDEN', 'notMember');
    // The removed member's old items still sync; they record nothing for the group.
    await syncAll(m);
    expect(await ok(o.request('readReceipts', { conversationId: groupId, conversationSeq: 1 }))).toMatchObject({ memberCount: 0, deliveredCount: 0 });
    await waitForQueuesIdle(cloud);
  });

  it('counts group deliveries like read receipts and tells the authors, in write fan-out and large groups', async () => {
    const members = [...Array(4).keys()].map((index) => unique(`g${index}`));
    const [author, r1, r2, r3] = members as [string, string, string, string];
    const a = await connect(author);
    const conversationId = (await ok(a.request('createGroup', { title: 'delivered', members: members.slice(1) }))).conversationId;
    await ok(a.request('send', { clientMsgId: 'g1', conversationId, body: text('one') }));
    await ok(a.request('send', { clientMsgId: 'g2', conversationId, body: text('two') }));
    await waitForQueuesIdle(cloud);
    expect(await ok(a.request('readReceipts', { conversationId, conversationSeq: 2 }))).toMatchObject({ memberCount: 3, deliveredCount: 0, deliveredTo: [] });
    const first = await connect(r1);
    await syncAll(first);
    await a.waitForEvent('delivered', (data) => data.conversationId === conversationId && data.userId === r1 && data.upTo === 2);
    const second = await connect(r2);
    await ok(second.request('delivered', { conversationId, upTo: 1 }));
    await a.waitForEvent('delivered', (data) => data.userId === r2 && data.upTo === 1);
    const two = await ok(a.request('readReceipts', { conversationId, conversationSeq: 2 }));
    expect(two).toMatchObject({ memberCount: 3, deliveredCount: 1, deliveredTo: [r1], readCount: 0 });
    expect((await ok(a.request('readReceipts', { conversationId, conversationSeq: 1 }))).deliveredTo.sort()).toEqual([r1, r2].sort());
    // A message of r3 received by the author tells r3, not the author.
    const third = await connect(r3);
    await ok(third.request('send', { clientMsgId: 'g3', conversationId, body: text('three') }));
    await waitForQueuesIdle(cloud);
    await syncAll(a);
    await third.waitForEvent('delivered', (data) => data.userId === author && data.upTo === 3);
    expect(receiptsSeen(a, conversationId).filter((receipt) => receipt.startsWith(`${author}:`))).toEqual([]);

    // A large group: syncConversation records the receipt (one write for the page).
    const large = [...Array(LARGE_GROUP_THRESHOLD + 1).keys()].map((index) => unique(`l${index}`));
    const owner = await connect(large[0]!);
    const largeId = (await ok(owner.request('createGroup', { title: 'large', members: large.slice(1) }))).conversationId;
    for (const label of ['l1', 'l2']) await ok(owner.request('send', { clientMsgId: label, conversationId: largeId, body: text(label) }));
    const reader = await connect(large[1]!);
    expect((await ok(reader.request('syncConversation', { conversationId: largeId, after: 0 }))).items).toHaveLength(2);
    await owner.waitForEvent('delivered', (data) => data.conversationId === largeId && data.userId === large[1] && data.upTo === 2);
    expect(await ok(owner.request('readReceipts', { conversationId: largeId, conversationSeq: 2 }))).toMatchObject({ memberCount: LARGE_GROUP_THRESHOLD, deliveredCount: 1 });
  });

  it('costs one conditional write per conversation a sync brings messages of, never one per message, and one per acknowledgement', async () => {
    const [alice, bob, carol] = [unique('alice'), unique('bob'), unique('carol')];
    const a = await connect(alice);
    const c = await connect(carol);
    const toBob = directConversationId(alice, bob);
    const groupId = (await ok(c.request('createGroup', { title: 'cost', members: [bob, alice] }))).conversationId;
    for (let index = 0; index < 5; index++) await ok(a.request('send', { clientMsgId: `d${index}`, to: bob, body: text(`direct ${index}`) }));
    for (let index = 0; index < 5; index++) await ok(c.request('send', { clientMsgId: `g${index}`, conversationId: groupId, body: text(`group ${index}`) }));
    await waitForQueuesIdle(cloud);
    const b = await connect(bob);

    const measure = async (run: () => Promise<unknown>) => {
      const mark = cloud.dynamoFrontDoor.ledger.mark();
      await run();
      const entries = cloud.dynamoFrontDoor.ledger.since(mark);
      return { entries, ...CapacityLedger.total(entries), receiptWrites: entries.filter((entry) => entry.operation.startsWith('UpdateItem')).length };
    };
    // Bob's first sync: 11 items (a groupCreated item, 5 direct and 5 group messages) in two conversations.
    const synced = await measure(async () => expect((await ok(b.request('sync', { after: 0, limit: 200 }))).items).toHaveLength(11));
    console.log('sync with receipts:', JSON.stringify({ read: synced.read, write: synced.write }), '\n' + synced.entries.map((e) => `  ${e.operation} ${e.table.replace(/-[A-Z0-9]+$/, '')} r=${e.read} w=${e.write}`).join('\n'));
    expect(synced.receiptWrites).toBe(2);
    // The direct head (1) and Bob's group row (1, plus 1 for its copy in the byGroup index, which
    // projects deliveredUpTo for readReceipts): 5 + 5 messages cost what 1 + 1 would.
    expect(synced.write).toBe(3);
    expect(synced.scans).toBe(0);
    await a.waitForEvent('delivered', (data) => data.conversationId === toBob && data.upTo === 5);
    await c.waitForEvent('delivered', (data) => data.conversationId === groupId && data.upTo === 5);
    // The same page again (another device, or a retry): the conditions refuse (a refused condition
    // still costs its write unit, and no index write), and nobody is told again.
    const again = await measure(() => ok(b.request('sync', { after: 0, limit: 200 })));
    expect(again.receiptWrites).toBe(2);
    expect(again.write).toBe(2);
    // Pages without messages from others write nothing.
    const empty = await measure(() => ok(b.request('sync', { after: 11 })));
    expect(empty.write).toBe(0);
    // One acknowledgement of pushes: one write (a group also reads its head to stay within its messages).
    await ok(c.request('send', { clientMsgId: 'g5', conversationId: groupId, body: text('group 5') }));
    await b.waitForEvent('message', (item) => item.message?.conversationId === groupId && item.message.conversationSeq === 6);
    // Bob's push may come before the fan-out wrote Alice's copy: only the acknowledgement may be measured.
    await waitForQueuesIdle(cloud);
    const acked = await measure(() => ok(b.request('delivered', { conversationId: groupId, upTo: 6 })));
    expect(acked.receiptWrites).toBe(1);
    expect(acked.write).toBe(2);
    expect(acked.read).toBeLessThanOrEqual(1.5);
    expect(receiptsSeen(a, toBob)).toEqual([`${bob}:5`]);
    expect(receiptsSeen(c, groupId)).toEqual([`${bob}:5`, `${bob}:6`]);
  });
});
