import { directConversationId } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../local-cloud/eventbridge/event-log.js';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { ok, text } from '../support/replies.js';
import { RUN_ID } from '../support/protocol-target.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import type { TestClient } from '../support/ws-client.js';

/** Groups of more members than this are large (read fan-out) in these clouds. */
const LARGE_GROUP_THRESHOLD = 3;
let counter = 0;
const unique = (name: string) => `${name}-${RUN_ID}-${++counter}`;

/**
 * Events out (docs/events.md): real clients make changes over the WebSocket; the publisher reads
 * the table streams and puts events on the stack's bus (the local EventBridge, created from the
 * synthesized template, reached with the real SDK, IAM enforced); the test reads what the bus
 * accepted. Every committed change gives exactly one event, also when the publisher crashes.
 */
function eventsCloud(environment: Record<string, string> = {}) {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  return {
    get cloud() {
      return cloud;
    },
    async start() {
      cloud = await startTestCloud({ functionEnvironment: { LARGE_GROUP_THRESHOLD: String(LARGE_GROUP_THRESHOLD), ...NO_RATE_LIMITS, ...environment } });
    },
    async stop() {
      await Promise.all(clients.map((client) => client.close()));
      await cloud?.stop();
    },
    async connect(userId: string) {
      const client = await connectAs(cloud, userId);
      clients.push(client);
      return client;
    },
    /** The events of one conversation the bus accepted so far, once the streams are drained. */
    async eventsOf(conversationId: string): Promise<RecordedEvent[]> {
      await cloud.streams.drained({ ignore: ['DeliveryRepair'] });
      return cloud.events.list({ source: 'serverless-im' }).filter(({ event }) => event.detail.conversationId === conversationId);
    },
  };
}

const details = (events: RecordedEvent[], detailType?: string) => events.filter(({ event }) => !detailType || event['detail-type'] === detailType).map(({ event }) => event.detail);

describe('events out: one event per committed change, no body by default', () => {
  const env = eventsCloud();
  beforeAll(() => env.start());
  afterAll(() => env.stop());

  it('a direct message, its edit, a reaction and its recall: message.sent, then message.updated twice (reactions publish nothing)', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await env.connect(alice);
    await env.connect(bob);
    const conversationId = directConversationId(alice, bob);
    const sent = await ok(a.request('send', { clientMsgId: 'c1', to: bob, body: text('secret plans') }));
    await ok(a.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text('secret plans, v2') }));
    await ok(a.request('react', { conversationId, conversationSeq: sent.conversationSeq, emoji: '👍', on: true }));
    await ok(a.request('recall', { conversationId, conversationSeq: sent.conversationSeq }));

    const events = await env.eventsOf(conversationId);
    expect(events.map(({ event }) => event['detail-type'])).toEqual(['message.sent', 'message.updated', 'message.updated']);
    const [sentEvent, editEvent, recallEvent] = events.map(({ event }) => event);
    const members = [alice, bob].sort();
    expect(sentEvent!.detail).toEqual({
      schemaVersion: 1,
      eventId: `${conversationId}#1#1`,
      conversationId,
      conversationKind: 'direct',
      members,
      conversationSeq: 1,
      msgId: sent.msgId,
      from: alice,
      ts: sent.ts,
      clientMsgId: 'c1',
      bodyKind: 'text',
    });
    expect(sentEvent!.time).toBe(new Date(sent.ts).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(editEvent!.detail).toEqual({
      schemaVersion: 1,
      eventId: `${conversationId}#1#2`,
      conversationId,
      conversationKind: 'direct',
      members,
      conversationSeq: 1,
      msgId: sent.msgId,
      from: alice,
      change: 'edited',
      version: 2,
      changedBy: alice,
      changedAt: expect.any(Number),
      bodyKind: 'text',
    });
    // The reaction made version 3.
    expect(recallEvent!.detail).toMatchObject({ eventId: `${conversationId}#1#4`, change: 'recalled', version: 4, changedBy: alice });
    expect(recallEvent!.detail).not.toHaveProperty('bodyKind');
    expect(JSON.stringify(events)).not.toContain('secret plans');
    // The same events at GET /dev/events, on the stack's own bus.
    const response = await fetch(`${env.cloud.httpUrl}/dev/events?source=serverless-im&detailType=message.sent`);
    const listed = ((await response.json()) as { events: RecordedEvent[] }).events.filter(({ event }) => event.detail.conversationId === conversationId);
    expect(listed).toHaveLength(1);
    expect(listed[0]!.eventBusName).not.toBe('default');
  });

  it('a group (write fan-out): created, a message, members added and removed, a member leaving: one event each, not one per member', async () => {
    const [owner, m1, m2] = [unique('owner'), unique('m1'), unique('m2')];
    const o = await env.connect(owner);
    const c2 = await env.connect(m2);
    const { conversationId } = await ok(o.request('createGroup', { title: 'Team', members: [m1] }));
    const sent = await ok(o.request('send', { clientMsgId: 'g1', conversationId, body: text('hello team'), mentions: [m1] }));
    await ok(o.request('addMembers', { conversationId, members: [m2] }));
    await ok(o.request('removeMembers', { conversationId, members: [m1] }));
    await ok(c2.request('leaveGroup', { conversationId }));

    // Group changes and messages come from two streams: the bus gets them in no defined order
    // across the two, so they are compared in the order they happened.
    const events = (await env.eventsOf(conversationId)).sort((a, b) => Number(a.event.detail.ts) - Number(b.event.detail.ts));
    expect(events.map(({ event }) => `${event['detail-type']}:${event.detail.change ?? ''}`)).toEqual([
      'group.changed:groupCreated',
      'message.sent:',
      'group.changed:membersAdded',
      'group.changed:membersRemoved',
      'group.changed:memberLeft',
    ]);
    const [created, message, added, removed, left] = events.map(({ event }) => event.detail);
    expect(created).toEqual({
      schemaVersion: 1,
      eventId: expect.stringMatching(new RegExp(`^${conversationId}:groupCreated:`)),
      conversationId,
      change: 'groupCreated',
      ts: expect.any(Number),
      by: owner,
      title: 'Team',
      members: [owner, m1],
    });
    expect(message).toEqual({
      schemaVersion: 1,
      eventId: `${conversationId}#1#1`,
      conversationId,
      conversationKind: 'group',
      conversationSeq: 1,
      msgId: sent.msgId,
      from: owner,
      ts: sent.ts,
      clientMsgId: 'g1',
      bodyKind: 'text',
      mentions: [m1],
      delivery: 'write',
    });
    expect(added).toMatchObject({ change: 'membersAdded', by: owner, members: [m2] });
    expect(removed).toMatchObject({ change: 'membersRemoved', by: owner, members: [m1] });
    expect(left).toMatchObject({ change: 'memberLeft', by: m2, members: [m2] });
    expect(new Set(events.map(({ event }) => event.detail.eventId)).size).toBe(events.length);
  });

  it('a large group (read fan-out): a message and its recall, one event each (the recall modifies the item twice)', async () => {
    const [owner, ...others] = [unique('owner'), unique('l1'), unique('l2'), unique('l3')];
    const o = await env.connect(owner);
    const { conversationId } = await ok(o.request('createGroup', { title: 'All hands', members: others }));
    const sent = await ok(o.request('send', { clientMsgId: 'big1', conversationId, body: text('big news'), mentions: [others[0]] }));
    await ok(o.request('recall', { conversationId, conversationSeq: sent.conversationSeq }));

    const messageEvents = details(await env.eventsOf(conversationId)).filter((detail) => detail.msgId === sent.msgId);
    expect(messageEvents).toEqual([
      expect.objectContaining({ eventId: `${conversationId}#1#1`, delivery: 'read' }),
      expect.objectContaining({ eventId: `${conversationId}#1#2`, change: 'recalled', changedBy: owner }),
    ]);
  });

  it('the same send twice at once, and an edit retried after its reply, publish once each', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await env.connect(alice);
    const conversationId = directConversationId(alice, bob);
    const request = { clientMsgId: 'twice', to: bob, body: text('once please') };
    const [first, second] = await Promise.all([ok(a.request('send', request)), ok(a.request('send', request))]);
    expect(second.msgId).toBe(first.msgId);
    const edit = { conversationId, conversationSeq: first.conversationSeq, body: text('edited once') };
    await ok(a.request('edit', edit));
    await ok(a.request('edit', edit));
    expect(details(await env.eventsOf(conversationId)).map((detail) => detail.eventId)).toEqual([`${conversationId}#1#1`, `${conversationId}#1#2`]);
  });

  it('12 messages in a row: each published once, also across a publisher crash in the middle', async () => {
    const [owner, member] = [unique('owner'), unique('member')];
    const o = await env.connect(owner);
    const { conversationId } = await ok(o.request('createGroup', { title: 'Burst', members: [member] }));
    env.cloud.lambda.faults.inject({
      functionName: 'Publisher',
      step: 'events:claimed',
      action: 'crash',
      times: 1,
      when: (detail) => (detail.eventIds as string[]).includes(`${conversationId}#6#1`),
    });
    try {
      for (let index = 0; index < 12; index++) await ok(o.request('send', { clientMsgId: `b${index}`, conversationId, body: text(`#${index}`) }));
      const sent = details(await env.eventsOf(conversationId), 'message.sent');
      expect(sent.map((detail) => Number(detail.conversationSeq)).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
      expect(env.cloud.lambda.faults.fired.filter((fault) => (fault.detail.eventIds as string[]).includes(`${conversationId}#6#1`))).toHaveLength(1);
    } finally {
      env.cloud.lambda.faults.clear();
    }
  });

  describe('exactly once when the publisher crashes', () => {
    /** Crashes the publisher once at `step` while it publishes a message of this conversation. */
    async function crashWhilePublishing(step: string, conversationId: string, send: () => Promise<unknown>): Promise<RecordedEvent[]> {
      const { cloud } = env;
      cloud.lambda.faults.inject({
        functionName: 'Publisher',
        step,
        action: 'crash',
        times: 1,
        when: (detail) => (detail.eventIds as string[]).some((eventId) => eventId.startsWith(`${conversationId}#`)),
      });
      try {
        await send();
        const events = await env.eventsOf(conversationId);
        expect(cloud.lambda.faults.fired.filter((fault) => fault.step === step && (fault.detail.eventIds as string[]).some((id) => id.startsWith(`${conversationId}#`)))).toHaveLength(1);
        return events;
      } finally {
        cloud.lambda.faults.clear();
      }
    }

    it.each(['events:before-put', 'events:claimed'])('a crash at %s: the retried batch publishes the message once', async (step) => {
      const [alice, bob] = [unique('alice'), unique('bob')];
      const a = await env.connect(alice);
      const conversationId = directConversationId(alice, bob);
      const events = await crashWhilePublishing(step, conversationId, () => ok(a.request('send', { clientMsgId: 'x', to: bob, body: text('once') })));
      expect(details(events)).toEqual([expect.objectContaining({ eventId: `${conversationId}#1#1` })]);
    });

    it('a crash between PutEvents and the claim (the documented window): the duplicate carries the same eventId', async () => {
      const [alice, bob] = [unique('alice'), unique('bob')];
      const a = await env.connect(alice);
      const conversationId = directConversationId(alice, bob);
      const events = await crashWhilePublishing('events:put', conversationId, () => ok(a.request('send', { clientMsgId: 'x', to: bob, body: text('twice') })));
      expect(details(events).map((detail) => detail.eventId)).toEqual([`${conversationId}#1#1`, `${conversationId}#1#1`]);
    });
  });
});

describe('events out with eventBodies=true', () => {
  // `eventBodies` is a synth-time setting that becomes the publisher's EVENTS_INCLUDE_BODY
  // (test/infrastructure/events.test.ts checks the template); here it is set on the functions.
  const env = eventsCloud({ EVENTS_INCLUDE_BODY: 'true' });
  beforeAll(() => env.start());
  afterAll(() => env.stop());

  it('message.sent and the edit carry the body; the recall carries none', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await env.connect(alice);
    const conversationId = directConversationId(alice, bob);
    const sent = await ok(a.request('send', { clientMsgId: 'b1', to: bob, body: text('visible') }));
    await ok(a.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text('visible, edited') }));
    await ok(a.request('recall', { conversationId, conversationSeq: sent.conversationSeq }));
    const [sentDetail, editDetail, recallDetail] = details(await env.eventsOf(conversationId));
    expect(sentDetail).toMatchObject({ bodyKind: 'text', body: text('visible') });
    expect(editDetail).toMatchObject({ change: 'edited', body: text('visible, edited') });
    expect(recallDetail).toMatchObject({ change: 'recalled' });
    expect(recallDetail).not.toHaveProperty('body');
  });
});
