import { errorReplySchema } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { messagesOf, syncAll } from '../support/timeline-reader.js';

describe('rate limits', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    // Per-connection buckets live in each Lambda instance's memory: with two instances per
    // function and a small bucket, a flood of 80 requests must overflow them.
    cloud = await startTestCloud({
      functionEnvironment: { SEND_LIMIT_PER_MINUTE: '5', RATE_LIMIT_BURST: '10', RATE_LIMIT_PER_SECOND: '1' },
      maxConcurrencyPerFunction: 2,
    });
  });
  afterAll(async () => cloud?.stop());

  it('answers a flood from one connection with RATE_LIMITED and leaves other connections alone', async () => {
    const flooder = await connectAs(cloud, 'rl-flooder');
    const neighbour = await connectAs(cloud, 'rl-neighbour');
    const replies = await Promise.all([...Array(80).keys()].map(() => flooder.request('ping')));
    const limited = replies.filter((reply) => reply.error?.code === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThan(0);
    expect(replies.filter((reply) => reply.ok).length).toBeGreaterThan(0);
    expect(replies.every((reply) => reply.ok || reply.error?.code === 'RATE_LIMITED')).toBe(true);
    // The reason says which limit refused it, and when a retry can pass.
    for (const reply of limited) {
      expect(errorReplySchema.safeParse(reply).success, JSON.stringify(reply)).toBe(true);
      expect(reply.error).toMatchObject({ reason: 'connectionRate', retryAfterMs: expect.any(Number) });
    }
    expect((await neighbour.request('ping')).ok).toBe(true);
    await Promise.all([flooder.close(), neighbour.close()]);
  });

  it('limits a user\'s sends per minute across devices, storing nothing for a refused send', async () => {
    const phone = await connectAs(cloud, 'rl-sender', 'phone');
    const laptop = await connectAs(cloud, 'rl-sender', 'laptop');
    const results = [];
    for (let n = 0; n < 8; n++) {
      const device = n % 2 === 0 ? phone : laptop;
      results.push(await device.request('send', { clientMsgId: `m${n}`, to: 'rl-recipient', body: { kind: 'text', text: `m${n}` } }));
    }
    expect(results.map((reply) => (reply.ok ? 'ok' : reply.error!.code))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    for (const reply of results.slice(5)) {
      expect(reply.error).toMatchObject({ reason: 'sendRate' });
      // Until the next minute's window opens.
      expect(reply.error!.retryAfterMs).toBeGreaterThan(0);
      expect(reply.error!.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    // The refused clientMsgId is free again: a retry is refused for the rate, not held as in progress.
    expect((await phone.request('send', { clientMsgId: 'm5', to: 'rl-recipient', body: { kind: 'text', text: 'm5' } })).error?.code).toBe('RATE_LIMITED');
    const recipient = await connectAs(cloud, 'rl-recipient');
    const received = messagesOf(await syncAll(recipient)).map((message) => message.body.text);
    expect(received).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(messagesOf(await syncAll(phone))).toHaveLength(5);
    await Promise.all([phone.close(), laptop.close(), recipient.close()]);
  });
});
