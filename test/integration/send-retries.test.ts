import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS, requestOnce, sleep } from '../reliability/harness.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { messagesOf, syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';

let counter = 0;
const unique = (name: string) => `${name}-${process.pid}-${++counter}`;
const text = (value: string) => ({ kind: 'text', text: value });
/** The send function's timeout plus margin (SEND_ATTEMPT_MAX_MS) plus the tolerated clock difference (send-message.ts). */
const ATTEMPT_AND_SKEW_MS = 10_000 + 5_000 + 5_000;
const DEPTH = 300;

/**
 * `send` is idempotent by clientMsgId however old the message is: the claim records a cseq below
 * its message, so a retry finds it without reading the conversation back from its newest message.
 */
describe('a retry of an old clientMsgId', () => {
  let cloud: LocalCloud;
  let alice: TestClient;
  let bob: TestClient;
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: NO_RATE_LIMITS });
    [aliceId, bobId] = [unique('alice'), unique('bob')];
    [alice, bob] = (await Promise.all([connectAs(cloud, aliceId), connectAs(cloud, bobId)])) as [TestClient, TestClient];
  });
  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await cloud?.stop();
  });

  it(`finds message 1 of ${DEPTH + 2} after a takeover stored an older-timed one above it: one copy, and a lookup that reads a page, not the conversation`, async () => {
    // Prepare: `late` is claimed and dies before its commit point; well after its attempt ended,
    // `deep` is stored as the first message and its send dies before the reply.
    cloud.lambda.faults.inject({ functionName: 'SendHandler', step: 'send:claimed', action: 'crash', times: 1 });
    expect(await requestOnce(alice, 'send', { clientMsgId: 'late', to: bobId, body: text('claimed, then died') })).toBe('crashed');
    await sleep(ATTEMPT_AND_SKEW_MS + 1_000);
    cloud.lambda.faults.inject({ functionName: 'SendHandler', step: 'send:message-stored', action: 'crash', times: 1 });
    expect(await requestOnce(alice, 'send', { clientMsgId: 'deep', to: bobId, body: text('stored, then died') })).toBe('crashed');
    expect(cloud.lambda.faults.fired.map((fault) => fault.step)).toEqual(['send:claimed', 'send:message-stored']);
    // ... then DEPTH messages, from both sides at once ...
    await Promise.all(
      ([[alice, bobId, 0], [bob, aliceId, 1]] as const).map(async ([from, to, parity]) => {
        for (let n = parity; n < DEPTH; n += 2) {
          const reply = await from.request('send', { clientMsgId: `filler-${n}`, to, body: text(`#${n}`) });
          expect(reply.ok, JSON.stringify(reply)).toBe(true);
        }
      }),
    );
    // ... and the retry of `late` takes over: it is stored on top, with the time of its claim,
    // older than `deep`'s by more than an attempt (what made the old look-back stop too early).
    const late = await alice.request('send', { clientMsgId: 'late', to: bobId, body: text('claimed, then died') });
    expect(late.ok, JSON.stringify(late)).toBe(true);
    expect(late.data.conversationSeq).toBe(DEPTH + 2);

    // Act: the app retries `deep`, which it never got a reply for.
    const mark = cloud.dynamoFrontDoor.ledger.mark();
    const deep = await alice.request('send', { clientMsgId: 'deep', to: bobId, body: text('stored, then died') });
    const conversationReads = cloud.dynamoFrontDoor.ledger
      .since(mark)
      .filter((entry) => entry.caller.includes('Send') && entry.table.includes('Conversations'))
      .reduce((sum, entry) => sum + entry.read, 0);

    // Assess: the stored message answers, nothing is stored twice, and finding it read a page near
    // the claim's position (the conversation holds ~300 messages: reading it back is ~20 RRU).
    expect(deep.ok, JSON.stringify(deep)).toBe(true);
    expect(deep.data.conversationSeq).toBe(1);
    expect(conversationReads).toBeLessThanOrEqual(3);
    const again = await alice.request('send', { clientMsgId: 'deep', to: bobId, body: text('stored, then died') });
    expect(again.data).toEqual(deep.data);
    for (const client of [alice, bob]) {
      const messages = messagesOf(await syncAll(client));
      expect(messages.filter((m) => m.clientMsgId === 'deep').map((m) => m.conversationSeq)).toEqual([1]);
      expect(messages.filter((m) => m.clientMsgId === 'late').map((m) => m.conversationSeq)).toEqual([DEPTH + 2]);
    }
    const history = await alice.request('history', { conversationId: deep.data.conversationId, before: 3, limit: 10 });
    expect(history.data.items.map((m: { clientMsgId: string }) => m.clientMsgId)).toHaveLength(2);
    expect(history.data.items.map((m: { clientMsgId: string }) => m.clientMsgId)[1]).toBe('deep');
  }, 900_000);
});

/**
 * Claim keys of different kinds can never be equal, whatever user id and clientMsgId a client
 * picks (functions/storage/claims.ts). Before, user `delivery` sending clientMsgId
 * `<bob>:update:<msgId>:2` wrote the key of bob's delivery claim for the message's next version:
 * that update's job then failed for bob until it went to the dead-letter queue.
 */
describe('a user named delivery', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it("cannot plant a send claim where another user's delivery claim is: the edit reaches that user once", async () => {
    // Prepare
    const [aliceId, bobId] = [unique('alice'), unique('bob')];
    const [alice, bob, delivery] = await Promise.all([connectAs(cloud, aliceId), connectAs(cloud, bobId), connectAs(cloud, 'delivery')]);
    clients.push(alice, bob, delivery);
    const created = await alice.request('createGroup', { title: 'keys', members: [bobId] });
    expect(created.ok, JSON.stringify(created)).toBe(true);
    const conversationId = created.data.conversationId as string;
    const sent = await alice.request('send', { clientMsgId: 'g1', conversationId, body: text('first version') });
    expect(sent.ok, JSON.stringify(sent)).toBe(true);
    await bob.waitForEvent('message', (item) => item.type === 'message' && item.message.msgId === sent.data.msgId);
    const planted = await delivery.request('send', { clientMsgId: `${bobId}:update:${sent.data.msgId}:2`, to: aliceId, body: text('planted') });
    expect(planted.ok, JSON.stringify(planted)).toBe(true);

    // Act
    const edited = await alice.request('edit', { conversationId, conversationSeq: sent.data.conversationSeq, body: text('second version') });
    expect(edited.ok, JSON.stringify(edited)).toBe(true);

    // Assess: bob gets the update, once; the planted message is an ordinary message.
    await bob.waitForEvent('message', (item) => item.type === 'update' && item.message.msgId === sent.data.msgId && item.message.version === 2);
    const items = await syncAll(bob);
    expect(items.filter((item) => item.type === 'update')).toHaveLength(1);
    expect(messagesOf(await syncAll(alice)).filter((m) => m.from === 'delivery').map((m) => m.body)).toEqual([text('planted')]);
  });
});
