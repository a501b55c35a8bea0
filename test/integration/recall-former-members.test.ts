import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { RUN_ID } from '../support/protocol-target.js';
import { StoredItems } from '../support/stored-items.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';
import { ok, text } from '../support/replies.js';

const LARGE_GROUP_THRESHOLD = 6;
let counter = 0;
const unique = (name: string) => `${name}-${RUN_ID}-${++counter}`;

/**
 * A recall removes the content from every timeline it was copied to, including the timelines of
 * members who left the group after it was sent: they can still `sync` their old items, so their
 * copies are checked in the stored tables, not only in replies.
 */
describe('recall and members who left since', () => {
  let cloud: LocalCloud;
  let stored: StoredItems;
  const clients: TestClient[] = [];
  const connect = async (userId: string, deviceId?: string) => {
    const client = await connectAs(cloud, userId, deviceId);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { LARGE_GROUP_THRESHOLD: String(LARGE_GROUP_THRESHOLD), ...NO_RATE_LIMITS } });
    stored = new StoredItems(cloud);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    stored?.close();
    await cloud?.stop();
  });

  /** The stored timeline item of `userId` that holds (or held) message `msgId`. */
  const storedCopy = async (userId: string, msgId: string) => (await stored.timeline(userId)).find((item) => item.type === 'message' && item.itemKey === msgId);

  it('removes the copies of removed and departed members, without telling them of the change', async () => {
    const [owner, sender, removed, departed, stays, early] = ['owner', 'sender', 'removed', 'departed', 'stays', 'early'].map(unique) as [string, string, string, string, string, string];
    const o = await connect(owner);
    const s = await connect(sender);
    const conversationId = (await ok(o.request('createGroup', { title: 'former', members: [sender, removed, departed, stays, early] }))).conversationId;
    // Removed before the message: never had a copy.
    await ok(o.request('removeMembers', { conversationId, members: [early] }));
    const secret = `secret-${unique('former')}`;
    const sent = await ok(s.request('send', { clientMsgId: 'f1', conversationId, body: text(secret) }));
    await waitForQueuesIdle(cloud);
    for (const userId of [removed, departed, stays]) expect(JSON.stringify(await storedCopy(userId, sent.msgId))).toContain(secret);

    await ok(o.request('removeMembers', { conversationId, members: [removed] }));
    const d = await connect(departed);
    await ok(d.request('leaveGroup', { conversationId }));
    await waitForQueuesIdle(cloud);
    const recalled = await ok(s.request('recall', { conversationId, conversationSeq: sent.conversationSeq }));
    expect(recalled.message).toMatchObject({ recalled: true });
    await waitForQueuesIdle(cloud);

    expect(await stored.containing(secret)).toEqual([]);
    for (const userId of [removed, departed]) {
      expect(await storedCopy(userId, sent.msgId)).toMatchObject({ recalled: true, ref: { conversationId, cseq: sent.conversationSeq } });
      const items = await syncAll(await connect(userId, 'check'));
      expect(JSON.stringify(items)).not.toContain(secret);
      // What a former member's device shows: the message, recalled. It gets no update item.
      expect(items.find((item) => item.message?.msgId === sent.msgId)?.message).toMatchObject({ recalled: true });
      expect(items.filter((item) => item.type === 'update')).toEqual([]);
    }
    expect(await storedCopy(early, sent.msgId)).toBeUndefined();
    expect((await syncAll(await connect(stays, 'check'))).filter((item) => item.type === 'update' && item.message?.msgId === sent.msgId)).toHaveLength(1);
  });

  it('also in a group that became large after the message, and when the owner recalls', async () => {
    const members = [...Array(LARGE_GROUP_THRESHOLD).keys()].map((index) => unique(`m${index}`));
    const [owner, sender, leaver] = members as [string, string, string];
    const o = await connect(owner);
    const s = await connect(sender);
    const conversationId = (await ok(o.request('createGroup', { title: 'grows', members: members.slice(1) }))).conversationId;
    const secret = `secret-${unique('large')}`;
    const sent = await ok(s.request('send', { clientMsgId: 'g1', conversationId, body: text(secret) }));
    await waitForQueuesIdle(cloud);
    await ok((await connect(leaver)).request('leaveGroup', { conversationId }));
    // Two more members: 7 > 6, the group switches to read fan-out.
    await ok(o.request('addMembers', { conversationId, members: [unique('late1'), unique('late2')] }));
    await waitForQueuesIdle(cloud);
    expect((await ok(o.request('conversations'))).items.find((item: any) => item.conversationId === conversationId)).toMatchObject({ large: true });
    await ok(o.request('recall', { conversationId, conversationSeq: sent.conversationSeq }));
    await waitForQueuesIdle(cloud);
    expect(await stored.containing(secret)).toEqual([]);
    expect(await storedCopy(leaver, sent.msgId)).toMatchObject({ recalled: true });
  });
});
