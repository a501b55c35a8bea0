import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import type { ReplyFrame, TestClient } from '../support/ws-client.js';

/**
 * API Gateway delivers at most 128 KB per message, route responses included (the local gateway
 * answers a bigger reply with its error frame, as a failed integration response). A page of 100
 * large messages was far over it, so `sync` and `history` could never get past them. Pages are now
 * cut by bytes too, with `hasMore`.
 */
describe('replies within API Gateway’s 128 KB message quota', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const [alice, bob] = [`alice-${tag}`, `bob-${tag}`];
  const COUNT = 30;
  let a: TestClient;
  let b: TestClient;
  let conversationId = '';

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: NO_RATE_LIMITS });
    a = await connectAs(cloud, alice);
    b = await connectAs(cloud, bob);
    clients.push(a, b);
    for (let n = 0; n < COUNT; n++) {
      // ~15 KB each: referenced from the timelines, loaded into every sync page.
      const reply = await a.request('send', { clientMsgId: `big${n}`, to: bob, body: { kind: 'custom', type: 'blob', payload: { n, fill: 'x'.repeat(15_000) } } });
      expect(reply.ok, JSON.stringify(reply).slice(0, 300)).toBe(true);
      conversationId = reply.data.conversationId;
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  const ok = (reply: ReplyFrame) => {
    expect(reply.ok, JSON.stringify(reply).slice(0, 300)).toBe(true);
    return reply.data;
  };
  const bytesOf = (client: TestClient) => Buffer.byteLength(JSON.stringify(client.frames.at(-1)));

  it('sync pages through every large message, each reply within the quota', async () => {
    const seqs: number[] = [];
    let after = 0;
    for (;;) {
      const page = ok(await b.request('sync', { after, limit: 100 }));
      expect(bytesOf(b)).toBeLessThanOrEqual(128 * 1024);
      seqs.push(...page.items.map((item: { seq: number }) => item.seq));
      after = seqs.at(-1) ?? after;
      if (!page.hasMore) break;
    }
    expect(seqs).toEqual([...Array(COUNT).keys()].map((n) => n + 1));
  });

  it('history and syncConversation page the same way', async () => {
    const newestFirst: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = ok(await a.request('history', { conversationId, limit: 100, ...(before ? { before } : {}) }));
      expect(bytesOf(a)).toBeLessThanOrEqual(128 * 1024);
      newestFirst.push(...page.items.map((message: { conversationSeq: number }) => message.conversationSeq));
      before = newestFirst.at(-1);
      if (!page.hasMore) break;
    }
    expect(newestFirst).toEqual([...Array(COUNT).keys()].map((n) => COUNT - n));

    const ascending: number[] = [];
    let after = 0;
    for (;;) {
      const page = ok(await b.request('syncConversation', { conversationId, after, limit: 200 }));
      expect(bytesOf(b)).toBeLessThanOrEqual(128 * 1024);
      ascending.push(...page.items.map((message: { conversationSeq: number }) => message.conversationSeq));
      after = ascending.at(-1) ?? after;
      if (!page.hasMore) break;
    }
    expect(ascending).toEqual([...Array(COUNT).keys()].map((n) => n + 1));
  });
});
