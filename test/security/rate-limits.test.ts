import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll } from '../support/timeline-reader.js';
import type { ReplyFrame, TestClient } from '../support/ws-client.js';

/**
 * Rate limits (RATE_LIMITED): a per-connection token bucket (RATE_LIMIT_BURST, RATE_LIMIT_PER_SECOND)
 * and a per-user send window (SEND_LIMIT_PER_MINUTE, default 60), in functions/limits/.
 * What this expects:
 * - a burst of 40 sends from one connection (over a send window lowered to 15) gets some
 *   RATE_LIMITED replies, and the others ok;
 * - nothing is stored for a refused send (the sender's and the recipient's timelines hold exactly
 *   the acknowledged ones), and the same clientMsgId can be sent again later (the claim was released);
 * - another user's normal traffic, and the limited connection's other actions after a pause, are
 *   unaffected; every refusal is a clear protocol error, never INTERNAL.
 */
describe('rate limits under a burst', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const text = (value: string) => ({ kind: 'text', text: value });

  beforeAll(async () => {
    // A low send window, so a burst of 40 crosses it: 100 sends at once on one connection made some
    // invocations outlive their 10 s timeout on a loaded 2-core machine (an error frame, not a limit).
    cloud = await startTestCloud({ functionEnvironment: { SEND_LIMIT_PER_MINUTE: '15' } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('refuses part of a burst of 40 sends from one connection with RATE_LIMITED, stores nothing for those, and leaves others unaffected', async () => {
    const [spammer, target, bystander, friend] = ['spammer', 'target', 'bystander', 'friend'].map((name) => `${name}-${tag}`) as [string, string, string, string];
    const s = await connectAs(cloud, spammer);
    const t = await connectAs(cloud, target);
    const by = await connectAs(cloud, bystander);
    clients.push(s, t, by);

    // The send window is a fixed one-minute window (functions/limits/send-window.ts): a burst that
    // straddles a minute boundary may use two windows. Start it early in a minute so it uses one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 20_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 200));
    const replies: ReplyFrame[] = await Promise.all(
      [...Array(40).keys()].map((n) => s.request('send', { clientMsgId: `burst${n}`, to: target, body: text(`burst ${n}`) }, 85_000)),
    );
    // No API Gateway error frame (a crashed or timed-out function) among the answers.
    expect(s.frames.filter((frame: any) => frame && typeof frame === 'object' && 'message' in frame)).toEqual([]);
    const limited = replies.filter((reply) => reply.error?.code === 'RATE_LIMITED');
    const accepted = replies.filter((reply) => reply.ok);
    expect(limited.length).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(0);
    expect(limited.length + accepted.length, JSON.stringify(replies.filter((reply) => !reply.ok && reply.error?.code !== 'RATE_LIMITED'))).toBe(40);
    for (const reply of limited) expect(reply.error?.message).toEqual(expect.any(String));

    // Nothing stored for the refused ones, on either side.
    const acceptedIds = new Set(accepted.map((reply) => reply.data.msgId));
    const received = (await syncAll(t)).filter((item) => item.message?.from === spammer).map((item) => item.message!.msgId);
    expect(new Set(received)).toEqual(acceptedIds);
    expect(received).toHaveLength(acceptedIds.size);
    const own = (await syncAll(s)).filter((item) => item.message).map((item) => item.message!.msgId);
    expect(new Set(own)).toEqual(acceptedIds);

    // Normal traffic of someone else is unaffected, at once.
    for (let n = 0; n < 5; n++) expect((await by.request('send', { clientMsgId: `calm${n}`, to: friend, body: text(`calm ${n}`) })).ok).toBe(true);

    // After a pause, the limited connection may send again, and a refused clientMsgId is not burned.
    const refusedIndex = replies.findIndex((reply) => reply.error?.code === 'RATE_LIMITED');
    let retried: ReplyFrame | undefined;
    const refusals: (string | undefined)[] = [];
    await expect
      .poll(
        async () => {
          retried = await s.request('send', { clientMsgId: `burst${refusedIndex}`, to: target, body: text(`burst ${refusedIndex}`) });
          if (!retried.ok) refusals.push(retried.error?.code);
          return retried.ok;
        },
        { timeout: 90_000, interval: 1_500 },
      )
      .toBe(true);
    expect(refusals.every((code) => code === 'RATE_LIMITED'), JSON.stringify(refusals)).toBe(true);
    expect(retried?.ok, JSON.stringify(retried)).toBe(true);
    expect(cloud.logs.filter((entry) => /"level":\s*"ERROR"/.test(entry.line))).toEqual([]);
  }, 180_000);
});
