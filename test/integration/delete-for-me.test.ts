import { actions, directConversationId, events, messageSchema } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS, requestOnce } from '../reliability/harness.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { RUN_ID } from '../support/protocol-target.js';
import { StoredItems } from '../support/stored-items.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll, type TimelineItemFrame } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';
import { ok, refused, text } from '../support/replies.js';

let counter = 0;
const unique = (name: string) => `${name}-${RUN_ID}-${++counter}`;

/** What a device hides after applying its timeline: the cseqs of every deleteForMe item of the conversation. */
const hiddenBy = (items: TimelineItemFrame[], conversationId: string): number[] =>
  [...new Set(items.flatMap((item: any) => (item.type === 'deleteForMe' && item.deleted.conversationId === conversationId ? item.deleted.conversationSeqs : [])))].sort(
    (a, b) => a - b,
  );

const deleteItems = (items: TimelineItemFrame[]) => items.filter((item) => item.type === 'deleteForMe');

describe('deleteForMe', () => {
  let cloud: LocalCloud;
  let stored: StoredItems;
  const clients: TestClient[] = [];
  const connect = async (userId: string, deviceId?: string) => {
    const client = await connectAs(cloud, userId, deviceId);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { ...NO_RATE_LIMITS } });
    stored = new StoredItems(cloud);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    stored?.close();
    await cloud?.stop();
  });

  it('a hidden last message shows hidden in the caller’s conversation list only, and a newer message replaces it', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await connect(alice);
    const b = await connect(bob);
    const conversationId = directConversationId(alice, bob);
    await ok(a.request('send', { clientMsgId: 'first', to: bob, body: text('first') }));
    await ok(b.request('send', { clientMsgId: 'secret', to: alice, body: text('the secret') }));
    await ok(a.request('deleteForMe', { conversationId, conversationSeqs: [2] }));

    const mine = (await ok(a.request('conversations'))).items.find((item: any) => item.conversationId === conversationId);
    expect(mine.lastMessage).toEqual({ msgId: expect.any(String), conversationId, conversationSeq: 2, from: bob, ts: expect.any(Number), clientMsgId: 'secret', deletedForMe: true });
    // Unread is not a matter of hiding: the message is still unread until read.
    expect(mine.unread).toBe(1);
    const theirs = (await ok(b.request('conversations'))).items.find((item: any) => item.conversationId === conversationId);
    expect(theirs.lastMessage).toMatchObject({ conversationSeq: 2, body: text('the secret') });
    expect(theirs.lastMessage.deletedForMe).toBeUndefined();

    await ok(b.request('send', { clientMsgId: 'newer', to: alice, body: text('newer') }));
    const after = (await ok(a.request('conversations'))).items.find((item: any) => item.conversationId === conversationId);
    expect(after.lastMessage).toMatchObject({ conversationSeq: 3, body: text('newer') });
  });

  it('hides messages on every device of the caller only (offline ones through sync), once per request, without touching unread', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const phone = await connect(alice, 'phone');
    const laptop = await connect(alice, 'laptop');
    const b = await connect(bob);
    const conversationId = directConversationId(alice, bob);
    for (const label of ['one', 'two', 'three']) await ok(phone.request('send', { clientMsgId: label, to: bob, body: text(label) }));
    await ok(b.request('send', { clientMsgId: 'four', to: alice, body: text('four') }));
    const unreadBefore = (await ok(b.request('conversations'))).items[0].unread;

    const reply = await ok(phone.request('deleteForMe', { conversationId, conversationSeqs: [3, 1, 3] }));
    expect(actions.deleteForMe.result.safeParse(reply).success).toBe(true);
    // The caller's other device is told at once; the asking device has the reply.
    const pushed = await laptop.waitForEvent('message', (item) => item.type === 'deleteForMe');
    expect(pushed.data).toEqual({ seq: reply.seq, type: 'deleteForMe', deleted: { conversationId, conversationSeqs: [1, 3] } });
    expect(events.message.safeParse(pushed.data).success).toBe(true);
    expect(phone.events.filter((event) => event.data?.type === 'deleteForMe')).toEqual([]);

    // The same request again (a retry after a lost reply), and twice at once: the same item, no second one.
    const retries = await Promise.all([1, 2].map(() => ok(phone.request('deleteForMe', { conversationId, conversationSeqs: [1, 3] }))));
    expect(retries).toEqual([reply, reply]);

    // A device that was offline applies it from its timeline.
    const tablet = await connect(alice, 'tablet');
    const items = await syncAll(tablet);
    expect(deleteItems(items)).toHaveLength(1);
    expect(hiddenBy(items, conversationId)).toEqual([1, 3]);
    // history and syncConversation mark them for the caller, and keep where they are and who sent them.
    const page = await ok(tablet.request('history', { conversationId }));
    const bySeq = new Map(page.items.map((message: any) => [message.conversationSeq, message]));
    expect(bySeq.get(1)).toEqual({ msgId: expect.any(String), conversationId, conversationSeq: 1, from: alice, ts: expect.any(Number), clientMsgId: 'one', deletedForMe: true });
    expect(bySeq.get(2)).toMatchObject({ body: text('two') });
    expect(bySeq.get(3)).toMatchObject({ deletedForMe: true });
    expect((bySeq.get(3) as any).body).toBeUndefined();
    for (const message of page.items) expect(messageSchema.safeParse(message).success).toBe(true);
    const synced = await ok(tablet.request('syncConversation', { conversationId, after: 0 }));
    expect(synced.items.map((message: any) => message.deletedForMe === true)).toEqual([true, false, true, false]);

    // Nobody else sees a change: Bob's copies, history and unread are as before.
    const bobItems = await syncAll(b);
    expect(deleteItems(bobItems)).toEqual([]);
    expect((await ok(b.request('history', { conversationId }))).items.map((message: any) => message.body.text)).toEqual(['four', 'three', 'two', 'one']);
    expect((await ok(b.request('conversations'))).items[0].unread).toBe(unreadBefore);
    // The messages themselves are unchanged in storage (hidden, not deleted).
    expect((await stored.containing(`"three"`)).map(({ table }) => table)).toContain('MessagingConversations');

    // A later request adds a new item; hiding again what is hidden changes nothing for history.
    const second = await ok(b.request('deleteForMe', { conversationId, conversationSeqs: [4] }));
    expect(second.seq).toBe(bobItems.at(-1)!.seq + 1);
    expect((await ok(b.request('history', { conversationId }))).items[0]).toMatchObject({ conversationSeq: 4, deletedForMe: true });
    expect((await ok(phone.request('history', { conversationId }))).items[0]).toMatchObject({ conversationSeq: 4, body: text('four') });
  });

  it('refuses outsiders, removed members, messages that do not exist and lists out of bounds', async () => {
    const [owner, member, eve] = [unique('owner'), unique('member'), unique('eve')];
    const o = await connect(owner);
    const m = await connect(member);
    const e = await connect(eve);
    const groupId = (await ok(o.request('createGroup', { title: 'hide', members: [member] }))).conversationId;
    await ok(o.request('send', { clientMsgId: 'g1', conversationId: groupId, body: text('group one') }));
    const direct = directConversationId(owner, member);
    await ok(o.request('send', { clientMsgId: 'd1', to: member, body: text('direct one') }));

    await refused(e.request('deleteForMe', { conversationId: groupId, conversationSeqs: [1] }), 'FORBIDDEN', 'notMember');
    await refused(e.request('deleteForMe', { conversationId: direct, conversationSeqs: [1] }), 'FORBIDDEN', 'notMember');
    await refused(m.request('deleteForMe', { conversationId: groupId, conversationSeqs: [1, 2] }), 'NOT_FOUND');
    await refused(m.request('deleteForMe', { conversationId: direct, conversationSeqs: [2] }), 'NOT_FOUND');
    await refused(m.request('deleteForMe', { conversationId: groupId, conversationSeqs: [] }), 'BAD_REQUEST', 'invalidField');
    await refused(m.request('deleteForMe', { conversationId: groupId, conversationSeqs: [0] }), 'BAD_REQUEST', 'invalidField');
    await refused(m.request('deleteForMe', { conversationId: groupId, conversationSeqs: Array.from({ length: 101 }, (_, i) => i + 1) }), 'BAD_REQUEST', 'invalidField');
    await refused(m.request('deleteForMe', { conversationId: groupId, conversationSeqs: [1.5] }), 'BAD_REQUEST', 'invalidField');
    // A hundred (the most), duplicates included, is fine as long as each exists.
    await ok(m.request('deleteForMe', { conversationId: groupId, conversationSeqs: Array.from({ length: 100 }, () => 1) }));
    // Nothing of the refused requests was stored: the member's timeline has one deleteForMe item.
    expect(deleteItems(await syncAll(m))).toHaveLength(1);
    // In a group, only the caller's view changes.
    expect((await ok(o.request('history', { conversationId: groupId }))).items[0]).toMatchObject({ body: text('group one') });
    await ok(o.request('removeMembers', { conversationId: groupId, members: [member] }));
    await refused(m.request('deleteForMe', { conversationId: groupId, conversationSeqs: [1] }), 'FORBIDDEN', 'notMember');
    await waitForQueuesIdle(cloud);
  });

  it('writes its item exactly once when the function dies between its writes and the client retries', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await connect(alice);
    const conversationId = directConversationId(alice, bob);
    await ok(a.request('send', { clientMsgId: 'c1', to: bob, body: text('crash me') }));
    for (const step of ['deleteForMe:hidden', 'deleteForMe:item-written']) {
      cloud.lambda.faults.inject({ functionName: 'DeleteForMeHandler', step, action: 'crash', times: 1 });
      expect(await requestOnce(a, 'deleteForMe', { conversationId, conversationSeqs: [1] })).toBe('crashed');
      let reply: any;
      await expect.poll(async () => (reply = await a.request('deleteForMe', { conversationId, conversationSeqs: [1] })).ok, { timeout: 60_000, interval: 200 }).toBe(true);
      expect(reply.data.seq).toEqual(expect.any(Number));
    }
    expect(cloud.lambda.faults.fired.map((fault) => fault.step)).toEqual(['deleteForMe:hidden', 'deleteForMe:item-written']);
    cloud.lambda.faults.clear();
    const items = await syncAll(a);
    expect(deleteItems(items)).toHaveLength(1);
    expect((await stored.timeline(alice)).filter((item) => item.type === 'deleteForMe')).toHaveLength(1);
    expect((await ok(a.request('history', { conversationId }))).items[0]).toMatchObject({ deletedForMe: true });
  });
});
