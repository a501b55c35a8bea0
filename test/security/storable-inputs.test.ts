import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll } from '../support/timeline-reader.js';
import type { ReplyFrame, TestClient } from '../support/ws-client.js';

/**
 * Every input the schemas accept must be storable, and every boundary value gets a result or a
 * protocol error, never INTERNAL. Each case here once answered INTERNAL: `history` before the
 * first message built an empty key range; custom payloads with numbers DynamoDB cannot hold
 * (beyond 2^53, below 1e-130) or nested deeper than it stores failed after seqs were allocated,
 * leaving `void` items behind.
 */
describe('inputs at the edges of what storage holds', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const alice = `alice-${tag}`;
  const bob = `bob-${tag}`;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: NO_RATE_LIMITS });
    a = await connectAs(cloud, alice);
    b = await connectAs(cloud, bob);
    clients.push(a, b);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  const describeReply = (reply: ReplyFrame) => JSON.stringify(reply).slice(0, 300);

  it('answers history before the first message (and at every small cursor) with an empty or exact page', async () => {
    const first = await a.request('send', { clientMsgId: `h1-${tag}`, to: bob, body: { kind: 'text', text: 'one' } });
    expect(first.ok, describeReply(first)).toBe(true);
    const conversationId = first.data.conversationId as string;
    for (const before of [1, 2]) {
      const reply = await a.request('history', { conversationId, before });
      expect(reply.ok, describeReply(reply)).toBe(true);
      expect(reply.data.items.map((message: { conversationSeq: number }) => message.conversationSeq)).toEqual(before === 1 ? [] : [1]);
      expect(reply.data.hasMore).toBe(false);
    }
    const huge = await a.request('history', { conversationId, before: Number.MAX_SAFE_INTEGER });
    expect(huge.ok, describeReply(huge)).toBe(true);
    expect(huge.data.items).toHaveLength(1);
  });

  let nested: unknown = 'leaf';
  for (let depth = 0; depth < 40; depth++) nested = [nested];
  const unstorable: [string, unknown][] = [
    ['an integer beyond 2^53', JSON.parse('{"n":12345678901234567890}')],
    ['the smallest double', JSON.parse('{"n":5e-324}')],
    ['a magnitude below 1e-130', { n: -1e-131 }],
    ['a magnitude from 1e126', { n: 1e126 }],
    ['nesting deeper than DynamoDB stores', nested],
  ];
  for (const [what, payload] of unstorable) {
    it(`refuses a custom payload with ${what} with BAD_REQUEST before anything is written`, async () => {
      const before = await syncAll(a);
      const peerBefore = await syncAll(b);
      const clientMsgId = `u-${what.replace(/\W+/g, '-')}-${tag}`;
      const reply = await a.request('send', { clientMsgId, to: bob, body: { kind: 'custom', type: 'probe', payload } });
      expect(reply.error?.code, describeReply(reply)).toBe('BAD_REQUEST');
      expect(await syncAll(a)).toEqual(before);
      expect(await syncAll(b)).toEqual(peerBefore);
      // Nothing was claimed: the same clientMsgId with a storable body is a fresh send.
      const retry = await a.request('send', { clientMsgId, to: bob, body: { kind: 'custom', type: 'probe', payload: { n: 1 } } });
      expect(retry.ok, describeReply(retry)).toBe(true);
      expect(retry.data.seq).toBe((before.at(-1)?.seq ?? 0) + 1);
    });
  }

  it('stores the storable extremes exactly as sent', async () => {
    let deep: unknown = 'leaf';
    // The payload object and 15 maps inside it: the 16 levels a payload may have.
    for (let depth = 0; depth < 15; depth++) deep = { d: deep };
    const payload = { big: Number.MAX_SAFE_INTEGER, small: -Number.MAX_SAFE_INTEGER, tiny: 1e-130, fraction: -0.1, zero: 0, deep, empty: '', list: [] };
    const reply = await a.request('send', { clientMsgId: `extremes-${tag}`, to: bob, body: { kind: 'custom', type: 'probe', payload } });
    expect(reply.ok, describeReply(reply)).toBe(true);
    const items = await syncAll(b);
    expect(items.at(-1)?.message?.body).toEqual({ kind: 'custom', type: 'probe', payload });
  });

  it('answers non-characters and lone surrogates in ids and text with a result or a protocol error, never INTERNAL', async () => {
    const logsBefore = cloud.logs.length;
    const odd = ['\ufffe', '\uffff', '\ufdd0', '\ud800', '\udfff', 'a\ud800b', '\u{10ffff}'];
    const replies: ReplyFrame[] = [];
    for (const [n, value] of odd.entries()) {
      replies.push(await a.request('send', { clientMsgId: `odd${n}-${value}`, to: bob, body: { kind: 'text', text: `x${value}` } }));
      replies.push(await a.request('history', { conversationId: `dm:${value}:${alice}` }));
      replies.push(await a.request('presence', { userIds: [value] }));
      replies.push(await a.request('syncConversation', { conversationId: `g:${value}`, after: 0 }));
    }
    for (const reply of replies) expect(reply.ok || (reply.error && reply.error.code !== 'INTERNAL'), describeReply(reply)).toBe(true);
    expect(cloud.logs.slice(logsBefore).filter((entry) => /"level":\s*"ERROR"/.test(entry.line))).toEqual([]);
  });

  it('answers every page size and cursor at its bounds with a result or BAD_REQUEST', async () => {
    const conversationId = [alice, bob].sort().reduce((id, user) => `${id}:${user}`, 'dm');
    const cases: [string, Record<string, unknown>][] = [];
    for (const limit of [0, 1, 100, 101, 200, 201, -1, 1.5, 2 ** 53]) {
      cases.push(['sync', { after: 0, limit }], ['history', { conversationId, limit }], ['syncConversation', { conversationId, after: 0, limit }]);
    }
    for (const cursor of [-1, 0, 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 0.5]) {
      cases.push(['sync', { after: cursor }], ['history', { conversationId, before: cursor }], ['syncConversation', { conversationId, after: cursor }]);
      cases.push(['read', { conversationId, upTo: cursor }], ['readReceipts', { conversationId, conversationSeq: cursor }]);
    }
    for (const [action, params] of cases) {
      const reply = await a.request(action, params);
      expect(reply.ok || ['BAD_REQUEST', 'FORBIDDEN', 'NOT_FOUND'].includes(reply.error?.code ?? ''), `${action} ${JSON.stringify(params)}: ${describeReply(reply)}`).toBe(true);
    }
  });
});
