import { directConversationId } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { RUN_ID } from '../support/protocol-target.js';
import { ok, text } from '../support/replies.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import type { TestClient } from '../support/ws-client.js';

let counter = 0;
const unique = (name: string) => `${name}-${RUN_ID}-${++counter}`;

/**
 * `message.reported` (docs/events.md): a member's `report` is stored in Conversations, and the
 * stream publisher puts one event per stored report on the bus, in the style of events.test.ts:
 * real clients, the synthesized stream mappings and bus, IAM enforced, a publisher crash.
 */
describe('events out: message.reported', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const connect = async (userId: string) => {
    const client = await connectAs(cloud, userId);
    clients.push(client);
    return client;
  };
  const reportsOf = async (conversationId: string) => {
    await cloud.streams.drained({ ignore: ['DeliveryRepair'] });
    return cloud.events
      .list({ source: 'serverless-im' })
      .filter(({ event }) => event['detail-type'] === 'message.reported' && event.detail.conversationId === conversationId)
      .map(({ event }) => event.detail);
  };

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { ...NO_RATE_LIMITS } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('one event per report, also when the same report is made again or twice at once; none for the message itself', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await connect(alice);
    const b = await connect(bob);
    const conversationId = directConversationId(alice, bob);
    const sent = await ok(a.request('send', { clientMsgId: 'r', to: bob, body: text('buy my coins') }));
    const report = { conversationId, conversationSeq: sent.conversationSeq, reason: 'spam' };
    const [first, second] = await Promise.all([ok(b.request('report', report)), ok(b.request('report', report))]);
    expect([first.alreadyReported, second.alreadyReported].sort()).toEqual([false, true]);
    expect((await ok(b.request('report', { ...report, reason: 'other' }))).alreadyReported).toBe(true);

    const events = await reportsOf(conversationId);
    expect(events).toEqual([
      {
        schemaVersion: 1,
        eventId: `report#${conversationId}#${bob}#${sent.conversationSeq}`,
        conversationId,
        conversationKind: 'direct',
        members: [alice, bob].sort(),
        conversationSeq: sent.conversationSeq,
        msgId: sent.msgId,
        author: alice,
        reporter: bob,
        reason: 'spam',
        reportedAt: first.alreadyReported ? second.reportedAt : first.reportedAt,
      },
    ]);
    // The report is no message: still exactly one message.sent for the conversation.
    const sentEvents = cloud.events.list({ source: 'serverless-im' }).filter(({ event }) => event['detail-type'] === 'message.sent' && event.detail.conversationId === conversationId);
    expect(sentEvents).toHaveLength(1);
  });

  it('each reporter of a group message is one event, once, across a publisher crash', async () => {
    const [owner, m1, m2] = [unique('owner'), unique('m1'), unique('m2')];
    const o = await connect(owner);
    const c1 = await connect(m1);
    const c2 = await connect(m2);
    const { conversationId } = await ok(o.request('createGroup', { title: 'Reports', members: [m1, m2] }));
    const sent = await ok(o.request('send', { clientMsgId: 'g', conversationId, body: text('rude words') }));
    cloud.lambda.faults.inject({
      functionName: 'Publisher',
      step: 'events:claimed',
      action: 'crash',
      times: 1,
      when: (detail) => (detail.eventIds as string[]).some((eventId) => eventId.startsWith(`report#${conversationId}#`)),
    });
    try {
      await ok(c1.request('report', { conversationId, conversationSeq: sent.conversationSeq, reason: 'harassment' }));
      await ok(c2.request('report', { conversationId, conversationSeq: sent.conversationSeq, reason: 'hate' }));
      const events = await reportsOf(conversationId);
      expect(events.map((detail) => `${detail.reporter}:${detail.reason}`).sort()).toEqual([`${m1}:harassment`, `${m2}:hate`].sort());
      expect(events.every((detail) => detail.author === owner && detail.conversationKind === 'group' && detail.members === undefined)).toBe(true);
      expect(cloud.lambda.faults.fired.filter((fault) => (fault.detail.eventIds as string[]).some((id) => id.startsWith(`report#${conversationId}#`)))).toHaveLength(1);
    } finally {
      cloud.lambda.faults.clear();
    }
  });
});
