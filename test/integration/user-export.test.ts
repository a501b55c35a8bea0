import { serverApiRoutes, userExport } from '@serverless-im/protocol/server-api';
import { ServerApiError, ServerClient } from '@serverless-im/server-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { messagesOf, syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';

/**
 * `GET /v1/users/{id}/export` (issue 16): "export contains every message the user can see". The
 * exported user is in a direct conversation, a small group (write fan-out: messages in their
 * timeline) and a large group (read fan-out: none in their timeline), with edited, recalled and
 * reacted messages; the export must list exactly the messages `sync` + `syncConversation` show
 * them, in their current state, and nothing of conversations they are not in.
 */

const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };
const text = (value: string) => ({ kind: 'text' as const, text: value });
let counter = 0;
const unique = (name: string) => `${name}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

async function ok(client: TestClient, action: string, payload: Record<string, unknown>): Promise<any> {
  const reply = await client.request(action, payload);
  expect(reply.ok, `${action}: ${JSON.stringify(reply)}`).toBe(true);
  return reply.data;
}

async function syncConversationAll(client: TestClient, conversationId: string): Promise<any[]> {
  const messages: any[] = [];
  let cursor = 0;
  for (;;) {
    const data = await ok(client, 'syncConversation', { conversationId, after: cursor, limit: 200 });
    messages.push(...data.items);
    if (data.items.length > 0) cursor = data.items.at(-1).conversationSeq;
    if (!data.hasMore) return messages;
  }
}

describe('user export (GET /v1/users/{id}/export)', () => {
  let cloud: LocalCloud;
  let server: ServerClient;
  const clients: TestClient[] = [];
  const connect = async (userId: string) => {
    const client = await connectAs(cloud, userId);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // Groups above 4 members are delivered by read fan-out.
    cloud = await startTestCloud({ functionEnvironment: { LARGE_GROUP_THRESHOLD: '4' } });
    server = new ServerClient({ url: cloud.httpApi!.url, credentials: LOCAL, region: 'us-east-1' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('lists exactly the messages sync and syncConversation show the user, in their current state, and nothing of other conversations', async () => {
    const [aliceId, bobId, carolId, daveId, erinId, eveId, frankId] = ['alice', 'bob', 'carol', 'dave', 'erin', 'eve', 'frank'].map(unique) as [string, string, string, string, string, string, string];
    const [alice, bob, eve] = await Promise.all([connect(aliceId), connect(bobId), connect(eveId)]);

    // Direct: both ways, one edited, one recalled, one reacted to by alice.
    const d1 = await ok(alice, 'send', { clientMsgId: 'd1', to: bobId, body: text('hi bob') });
    const d2 = await ok(bob, 'send', { clientMsgId: 'd2', to: aliceId, body: text('hi alice') });
    const d3 = await ok(alice, 'send', { clientMsgId: 'd3', to: bobId, body: text('oops') });
    const direct = d1.conversationId as string;
    await ok(alice, 'edit', { conversationId: direct, conversationSeq: d1.conversationSeq, body: text('hello bob') });
    await ok(alice, 'recall', { conversationId: direct, conversationSeq: d3.conversationSeq });
    await ok(alice, 'react', { conversationId: direct, conversationSeq: d2.conversationSeq, emoji: '👍', on: true });
    await ok(alice, 'report', { conversationId: direct, conversationSeq: d2.conversationSeq, reason: 'spam' });

    // Small group (3 members, write fan-out).
    const small = (await ok(bob, 'createGroup', { title: 'small', members: [aliceId, carolId] })).conversationId as string;
    const s1 = await ok(bob, 'send', { clientMsgId: 's1', conversationId: small, body: text('small one') });
    await ok(alice, 'send', { clientMsgId: 's2', conversationId: small, body: text('small two') });
    await ok(bob, 'recall', { conversationId: small, conversationSeq: s1.conversationSeq });

    // Large group (6 members > 4: read fan-out from the start).
    const large = (await ok(bob, 'createGroup', { title: 'large', members: [aliceId, carolId, daveId, erinId, frankId] })).conversationId as string;
    const l1 = await ok(bob, 'send', { clientMsgId: 'l1', conversationId: large, body: text('large one') });
    await ok(alice, 'send', { clientMsgId: 'l2', conversationId: large, body: text('large two') });
    await ok(bob, 'edit', { conversationId: large, conversationSeq: l1.conversationSeq, body: text('large one, edited') });

    // Conversations alice is not in.
    const outsideDirect = await ok(eve, 'send', { clientMsgId: 'o1', to: frankId, body: text('not for alice') });
    const outsideGroup = (await ok(eve, 'createGroup', { title: 'outside', members: [bobId, carolId] })).conversationId as string;
    await ok(eve, 'send', { clientMsgId: 'o2', conversationId: outsideGroup, body: text('not for alice either') });
    await ok(alice, 'block', { userId: frankId });
    await waitForQueuesIdle(cloud);

    // What alice's devices see: her timeline, and the large group from the conversation.
    const timeline = messagesOf(await syncAll(alice));
    const largeMessages = await syncConversationAll(alice, large);
    const seen = new Map<string, any>();
    for (const message of [...timeline, ...largeMessages]) seen.set(message.msgId, message);

    const exported = await server.exportUser(aliceId);
    expect(userExport.safeParse(exported).success).toBe(true);
    expect(new Set(exported.messages.map((message) => message.msgId))).toEqual(new Set(seen.keys()));
    expect(exported.messages).toHaveLength(seen.size);
    expect(seen.size).toBe(7);
    // Current state: the edit and the recalls are in, whatever the timeline's inline copy says.
    const byId = new Map(exported.messages.map((message) => [message.msgId, message]));
    expect(byId.get(d1.msgId)).toMatchObject({ body: text('hello bob') });
    expect(byId.get(d3.msgId)).toMatchObject({ recalled: true });
    expect(byId.get(d3.msgId)!.body).toBeUndefined();
    expect(byId.get(s1.msgId)).toMatchObject({ recalled: true });
    expect(byId.get(l1.msgId)).toMatchObject({ body: text('large one, edited') });
    for (const message of largeMessages) expect(byId.get(message.msgId)).toEqual(message);

    const conversationIds = new Set(exported.conversations.map((conversation) => conversation.conversationId));
    expect(conversationIds).toEqual(new Set([direct, small, large]));
    expect(exported.messages.every((message) => conversationIds.has(message.conversationId))).toBe(true);
    expect(JSON.stringify(exported)).not.toContain(outsideDirect.conversationId);
    expect(JSON.stringify(exported)).not.toContain(outsideGroup);
    expect(JSON.stringify(exported)).not.toContain('not for alice');
    expect(exported.conversations.find((conversation) => conversation.conversationId === large)).toMatchObject({ kind: 'group', role: 'member', large: true });
    expect(exported.conversations.find((conversation) => conversation.conversationId === small)).toMatchObject({ kind: 'group', role: 'member' });
    expect(exported.conversations.find((conversation) => conversation.conversationId === direct)).toMatchObject({ kind: 'direct', peer: bobId });

    expect(exported.reactions).toEqual([{ conversationId: direct, conversationSeq: d2.conversationSeq, msgId: d2.msgId, emoji: '👍' }]);
    expect(exported.reports).toMatchObject([{ conversationId: direct, conversationSeq: d2.conversationSeq, msgId: d2.msgId, author: bobId, reason: 'spam' }]);
    expect(exported.blocked).toEqual([frankId]);
    expect(exported.timeline.latest).toBeGreaterThanOrEqual(timeline.length);
    expect(exported.userId).toBe(aliceId);
  });

  it('lists push registrations without their token', async () => {
    const userId = unique('pushy');
    const device = await connect(userId);
    const token = 'ab'.repeat(32);
    await ok(device, 'registerPush', { platform: 'apns', token });
    const exported = await server.exportUser(userId);
    expect(exported.devices).toHaveLength(1);
    expect(exported.devices[0]).toMatchObject({ platform: 'apns' });
    expect(JSON.stringify(exported)).not.toContain(token);
  });

  it('is 404 for a user of whom nothing is stored and 400 for a bad id', async () => {
    const nobody = server.exportUser(unique('nobody'));
    await expect(nobody).rejects.toBeInstanceOf(ServerApiError);
    await expect(nobody).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(server.exportUser('deleted-user')).rejects.toMatchObject({ status: 404 });
    await expect(server.exportUser('not a user!')).rejects.toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    const tooLong = await server.request(serverApiRoutes.exportUser.method, `/v1/users/${'x'.repeat(65)}/export`);
    expect(tooLong.status).toBe(400);
  });
});
