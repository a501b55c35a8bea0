import { type ActionName, actions, directConversationId, errorReplySchema, events, okReplySchema } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { FakeServer, FakeServerDriftError } from '../../client/test/fake-server.js';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { RUN_ID } from '../support/protocol-target.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import type { EventFrame, ReplyFrame } from '../support/ws-client.js';

/**
 * The contract test: every action, reply, error reason and event of the protocol, driven through
 * the real server (the local cloud, real WebSocket clients) and through the SDK's fake server,
 * and every frame they send checked against the schemas of @serverless-im/protocol. It fails when
 * either side sends a shape the protocol does not define (reply and event schemas are strict).
 */

/** What the scenario needs of a connection: the TestClient's interface, also offered by the fake. */
interface Connection {
  request(action: string, params?: Record<string, unknown>): Promise<ReplyFrame>;
  sendRaw(text: string): Promise<unknown>;
  waitForEvent(name: string, predicate?: (data: any) => boolean, timeoutMs?: number): Promise<EventFrame>;
  readonly events: EventFrame[];
  close(): Promise<void>;
}

interface Target {
  connect(userId: string): Promise<Connection>;
  /** A group delivered by read fan-out, with `owner` and `members` in it. */
  largeGroup(owner: Connection, ownerId: string, members: string[]): Promise<string>;
}

/** Large groups in the local cloud: more members than this (a deployment setting). */
const LARGE_GROUP_THRESHOLD = 5;
/** Fan-out goes through SQS: generous bounds against a hang on a loaded machine, never asserted. */
const EVENT_WAIT_MS = 60_000;

function conforms(schema: z.ZodMiniType, value: unknown, what: string): void {
  const checked = schema.safeParse(value);
  expect(checked.success, checked.success ? what : `${what}: ${z.prettifyError(checked.error)}\n${JSON.stringify(value)}`).toBe(true);
}

/** A request whose reply must be ok, with the `data` the action's result schema describes. */
async function call(connection: Connection, action: ActionName, params: Record<string, unknown> = {}): Promise<any> {
  const reply = await connection.request(action, params);
  conforms(okReplySchema(actions[action].result), reply, `reply to ${action}`);
  return reply.data;
}

/** A request the server must refuse with `code` and `reason`, in the error reply's shape. */
async function refused(reply: ReplyFrame | Promise<ReplyFrame> | Promise<unknown>, code: string, reason?: string): Promise<void> {
  const frame = (await reply) as ReplyFrame;
  conforms(errorReplySchema, frame, `refusal ${code}${reason ? ` ${reason}` : ''}`);
  expect(frame.error).toMatchObject({ code, ...(reason ? { reason } : {}) });
}

function eventsConform(connection: Connection, who: string): void {
  for (const frame of connection.events) {
    const schema = (events as Record<string, z.ZodMiniType | undefined>)[frame.event];
    expect(schema, `${who} got an event the protocol does not define: ${JSON.stringify(frame)}`).toBeDefined();
    conforms(z.strictObject({ event: z.string(), data: schema! }), frame, `${frame.event} event to ${who}`);
  }
}

const text = (value: string) => ({ kind: 'text', text: value });

/** Every action and event once, and the refusals with a reason. */
async function runScenario(target: Target, name: (user: string) => string): Promise<Connection[]> {
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map(name) as [string, string, string, string];
  const a = await target.connect(alice);
  const b = await target.connect(bob);
  const c = await target.connect(carol);
  const d = await target.connect(dave);
  const dm = directConversationId(alice, bob);

  await call(a, 'ping');
  const sent = await call(a, 'send', { clientMsgId: 'c1', to: bob, body: text('hi bob') });
  expect(sent.seq).toEqual(expect.any(Number));
  await call(a, 'send', { clientMsgId: 'c2', to: bob, body: { kind: 'custom', type: 'location', payload: { lat: 1.5, lng: -2, tags: ['x', null, true] } } });
  await b.waitForEvent('message', (item) => item.message?.clientMsgId === 'c2', EVENT_WAIT_MS);
  await call(b, 'sync', { after: 0 });
  await call(b, 'conversations');
  await call(b, 'history', { conversationId: dm });
  await call(b, 'syncConversation', { conversationId: dm, after: 0 });
  await call(b, 'read', { conversationId: dm, upTo: 2 });
  await a.waitForEvent('read', (data) => data.userId === bob, EVENT_WAIT_MS);
  await call(a, 'readReceipts', { conversationId: dm, conversationSeq: 1 });
  await call(b, 'typing', { conversationId: dm });
  await a.waitForEvent('typing', (data) => data.userId === bob, EVENT_WAIT_MS);
  await call(a, 'presence', { users: [bob, name('never-seen')] });
  await call(b, 'registerPush', { platform: 'apns', token: 'ab'.repeat(32) });
  await call(b, 'registerPush', { platform: 'fcm', token: 'fcm-token:APA91b-example_token' });
  await call(b, 'mute', { conversationId: dm, until: Date.now() + 3_600_000 });
  const muted = await call(b, 'conversations');
  expect(muted.items.find((item: { conversationId: string }) => item.conversationId === dm).mutedUntil).toEqual(expect.any(Number));
  await call(b, 'mute', { conversationId: dm, until: null });
  await call(b, 'unregisterPush');
  await refused(b.request('mute', { conversationId: directConversationId(bob, name('stranger')), until: null }), 'NOT_FOUND');

  const { conversationId: team } = await call(a, 'createGroup', { title: 'team', members: [bob, carol] });
  await b.waitForEvent('message', (item) => item.type === 'system' && item.system.conversationId === team, EVENT_WAIT_MS);
  await call(a, 'addMembers', { conversationId: team, members: [dave] });
  await call(a, 'send', { clientMsgId: 'g1', conversationId: team, body: text('hello team') });
  await b.waitForEvent('message', (item) => item.message?.clientMsgId === 'g1', EVENT_WAIT_MS);
  await call(b, 'read', { conversationId: team, upTo: 1 });
  await call(a, 'readReceipts', { conversationId: team, conversationSeq: 1 });
  await refused(b.request('removeMembers', { conversationId: team, members: [carol] }), 'FORBIDDEN', 'notOwner');
  await call(a, 'removeMembers', { conversationId: team, members: [dave] });
  await call(c, 'leaveGroup', { conversationId: team });
  await call(a, 'conversations');

  // Group roles and reports (added).
  await call(a, 'setRole', { conversationId: team, userId: bob, role: 'admin' });
  await call(b, 'updateGroup', { conversationId: team, title: 'team!', onlyAdminsSend: true, onlyAdminsAdd: true });
  await call(a, 'addMembers', { conversationId: team, members: [carol] });
  await refused(c.request('send', { clientMsgId: 'quiet', conversationId: team, body: text('may I?') }), 'FORBIDDEN', 'onlyAdminsSend');
  await refused(c.request('addMembers', { conversationId: team, members: [dave] }), 'FORBIDDEN', 'onlyAdminsAdd');
  await refused(c.request('updateGroup', { conversationId: team, title: 'mine' }), 'FORBIDDEN', 'notAdmin');
  await refused(c.request('setRole', { conversationId: team, userId: bob, role: 'member' }), 'FORBIDDEN', 'notOwner');
  await refused(a.request('setRole', { conversationId: team, userId: dave, role: 'admin' }), 'NOT_FOUND', 'notGroupMember');
  await call(c, 'report', { conversationId: team, conversationSeq: 1, reason: 'spam' });
  await refused(c.request('report', { conversationId: team, conversationSeq: 99, reason: 'spam' }), 'NOT_FOUND');
  await call(a, 'transferOwnership', { conversationId: team, userId: bob });
  await refused(a.request('transferOwnership', { conversationId: team, userId: carol }), 'FORBIDDEN', 'notOwner');
  await call(c, 'conversations');

  const large = await target.largeGroup(a, alice, [bob, ...[1, 2, 3, 4].map((n) => name(`crowd${n}`))]);
  const toLarge = await call(a, 'send', { clientMsgId: 'l1', conversationId: large, body: text('hello crowd') });
  expect(toLarge.seq).toBeNull();
  await b.waitForEvent('groupMessage', (message) => message.msgId === toLarge.msgId, EVENT_WAIT_MS);
  const bobsList = await call(b, 'conversations');
  expect(bobsList.items.find((item: { conversationId: string }) => item.conversationId === large)).toMatchObject({ large: true });
  await call(b, 'syncConversation', { conversationId: large, after: 0 });

  // The message lifecycle and delivered receipts (added).
  await call(a, 'edit', { conversationId: dm, conversationSeq: 1, body: text('hi bob!') });
  await b.waitForEvent('message', (item) => item.type === 'update' && item.message?.version === 2, EVENT_WAIT_MS);
  await call(b, 'react', { conversationId: dm, conversationSeq: 1, emoji: '👍', on: true });
  await call(a, 'recall', { conversationId: dm, conversationSeq: 2 });
  await refused(b.request('edit', { conversationId: dm, conversationSeq: 1, body: text('not mine') }), 'FORBIDDEN', 'notSender');
  await refused(a.request('react', { conversationId: dm, conversationSeq: 2, emoji: '👍', on: true }), 'FORBIDDEN', 'messageRecalled');
  await refused(a.request('edit', { conversationId: dm, conversationSeq: 99, body: text('nothing there') }), 'NOT_FOUND');
  for (const emoji of ['😀', '😂', '🎉']) await call(a, 'react', { conversationId: dm, conversationSeq: 1, emoji, on: true });
  await refused(a.request('react', { conversationId: dm, conversationSeq: 1, emoji: '❤️', on: true }), 'TOO_LARGE', 'tooManyReactions');
  await call(b, 'deleteForMe', { conversationId: dm, conversationSeqs: [1] });
  await refused(b.request('deleteForMe', { conversationId: dm, conversationSeqs: [99] }), 'NOT_FOUND');
  await call(b, 'history', { conversationId: dm });
  await call(b, 'sync', { after: 0 });
  const third = await call(a, 'send', { clientMsgId: 'c3', to: bob, body: text('delivered?') });
  await b.waitForEvent('message', (item) => item.message?.msgId === third.msgId, EVENT_WAIT_MS);
  await call(b, 'delivered', { conversationId: dm, upTo: third.conversationSeq });
  await a.waitForEvent('delivered', (data) => data.userId === bob && data.upTo === third.conversationSeq, EVENT_WAIT_MS);
  await refused(d.request('delivered', { conversationId: dm, upTo: 1 }), 'FORBIDDEN', 'notMember');
  await call(a, 'conversations');
  await call(a, 'readReceipts', { conversationId: dm, conversationSeq: third.conversationSeq });
  await call(a, 'edit', { conversationId: large, conversationSeq: 1, body: text('hello crowd!') });
  await b.waitForEvent('groupUpdate', (message) => message.conversationSeq === 1 && message.version === 2, EVENT_WAIT_MS);
  await call(b, 'syncConversation', { conversationId: large, after: 0, changesAfter: 0 });

  await refused(a.request('send', { clientMsgId: 'c1', to: carol, body: text('same id, other conversation') }), 'CONFLICT', 'clientMsgIdReused');
  await refused(d.request('send', { clientMsgId: 'd1', conversationId: team, body: text('not a member any more') }), 'FORBIDDEN', 'notMember');
  await refused(d.request('history', { conversationId: dm }), 'FORBIDDEN', 'notMember');
  await refused(a.request('send', { clientMsgId: 'big', to: bob, body: text('x'.repeat(4001)) }), 'TOO_LARGE', 'bodyTooLarge');
  await refused(a.request('createGroup', { title: 'crowd', members: [...Array(101).keys()].map((n) => name(`m${n}`)) }), 'TOO_LARGE', 'tooManyMembers');
  await refused(a.request('send', { clientMsgId: 'self', to: alice, body: text('me') }), 'BAD_REQUEST', 'invalidField');
  await refused(a.request('ping', { extra: 1 }), 'BAD_REQUEST', 'invalidField');
  await refused(a.request('nope'), 'BAD_REQUEST', 'unknownAction');
  await refused(a.sendRaw('not json'), 'BAD_REQUEST', 'invalidFrame');
  await refused(a.request('readReceipts', { conversationId: dm, conversationSeq: 99 }), 'NOT_FOUND');

  // Blocking (added).
  await call(c, 'block', { userId: dave });
  expect((await call(c, 'conversations')).blocked).toEqual([dave]);
  await refused(d.request('send', { clientMsgId: 'to-blocker', to: carol, body: text('blocked?') }), 'FORBIDDEN', 'blocked');
  await refused(c.request('block', { userId: carol }), 'BAD_REQUEST', 'invalidField');
  await call(c, 'unblock', { userId: dave });
  await call(d, 'send', { clientMsgId: 'to-blocker', to: carol, body: text('unblocked') });

  const connections = [a, b, c, d];
  for (const [index, connection] of connections.entries()) eventsConform(connection, ['alice', 'bob', 'carol', 'dave'][index]!);
  expect(connections.flatMap((connection) => connection.events.map((frame) => frame.event))).toEqual(
    expect.arrayContaining(['message', 'read', 'typing', 'groupMessage', 'groupUpdate', 'delivered']),
  );
  return connections;
}

describe('protocol contract: the server through the local cloud', () => {
  let cloud: LocalCloud;
  const connections: Connection[] = [];
  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: { LARGE_GROUP_THRESHOLD: String(LARGE_GROUP_THRESHOLD) } });
  });
  afterAll(async () => {
    await Promise.all(connections.map((connection) => connection.close()));
    await cloud?.stop();
  });

  it('answers every action, refusal and event in the shapes the protocol package defines', async () => {
    const target: Target = {
      connect: async (userId) => {
        const connection = await connectAs(cloud, userId);
        connections.push(connection);
        return connection;
      },
      largeGroup: async (owner, _ownerId, members) => {
        expect(members.length + 1).toBeGreaterThan(LARGE_GROUP_THRESHOLD);
        return (await call(owner, 'createGroup', { title: 'crowd', members })).conversationId;
      },
    };
    await runScenario(target, (user) => `pc-${user}-${RUN_ID}`);
    // Every action once through SQS fan-out: on a loaded machine this takes longer than the default.
  }, 240_000);
});

/** A connection to the SDK's fake server with the TestClient's interface (real timers, no network). */
function fakeConnection(server: FakeServer, userId: string): Promise<Connection> {
  const socket = new server.WebSocket(`ws://fake.test/?token=${FakeServer.token(userId)}`);
  const received: unknown[] = [];
  const eventFrames: EventFrame[] = [];
  const listeners = new Set<() => void>();
  let nextId = 1;
  const waitFor = <T>(check: () => T | undefined): Promise<T> =>
    new Promise((resolve) => {
      const evaluate = (): void => {
        const value = check();
        if (value === undefined) return;
        listeners.delete(evaluate);
        resolve(value);
      };
      listeners.add(evaluate);
      evaluate();
    });
  socket.onmessage = (event: { data: string }) => {
    const frame = JSON.parse(event.data) as Record<string, unknown>;
    received.push(frame);
    if (typeof frame.event === 'string') eventFrames.push(frame as unknown as EventFrame);
    for (const listener of [...listeners]) listener();
  };
  const connection: Connection = {
    events: eventFrames,
    request(action, params = {}) {
      const id = `f${nextId++}`;
      socket.send(JSON.stringify({ action, id, ...params }));
      return waitFor(() => received.find((frame) => (frame as { id?: unknown }).id === id) as ReplyFrame | undefined);
    },
    sendRaw(raw) {
      const seen = received.length;
      socket.send(raw);
      return waitFor(() => received.slice(seen).find((frame) => !('event' in (frame as object))));
    },
    waitForEvent: (name, predicate = () => true) => waitFor(() => eventFrames.find((frame) => frame.event === name && predicate(frame.data))),
    close: async () => socket.close(),
  };
  return new Promise((resolve) => {
    socket.onopen = () => resolve(connection);
  });
}

describe('protocol contract: the SDK fake server', () => {
  it('answers every action, refusal and event in the shapes the protocol package defines', async () => {
    const server = new FakeServer();
    const target: Target = {
      connect: (userId) => fakeConnection(server, userId),
      largeGroup: async (_owner, ownerId, members) => server.createLargeGroup([ownerId, ...members]),
    };
    const connections = await runScenario(target, (user) => user);
    await Promise.all(connections.map((connection) => connection.close()));
  });

  it('refuses to send what the protocol does not define', () => {
    const server = new FakeServer();
    expect(() => server.pushEvent('alice', 'message', { seq: 0, type: 'message' })).toThrow(FakeServerDriftError);
    expect(() => server.pushEvent('alice', 'read', { conversationId: 'dm:a:b', userId: 'a' })).toThrow(FakeServerDriftError);
    // An event this protocol does not know is passed on unchecked, as a newer server's would be.
    expect(() => server.pushEvent('alice', 'fromTheFuture', { anything: true })).not.toThrow();
  });
});
