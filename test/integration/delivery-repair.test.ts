import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { requestOnce } from '../reliability/harness.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { messagesOf, syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';

let counter = 0;
const unique = (name: string) => `${name}-${process.pid}-${++counter}`;
const text = (value: string) => ({ kind: 'text', text: value });
/** Generous bound against a hang: the repair looks at a message a batching window (60 s) after it was stored. */
const REPAIR_WAIT_MS = 150_000;

/** Polls a user's timeline until it holds the message with this clientMsgId; returns how many copies it holds. */
async function copiesOnceDelivered(client: TestClient, clientMsgId: string): Promise<number> {
  let copies = 0;
  await expect
    .poll(
      async () => {
        copies = messagesOf(await syncAll(client)).filter((m) => m.clientMsgId === clientMsgId).length;
        return copies > 0;
      },
      { timeout: REPAIR_WAIT_MS, interval: 2_000, message: `${clientMsgId} delivered` },
    )
    .toBe(true);
  return copies;
}

describe('delivery repair: a message stored by a send that then died, and was never retried', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('reaches every timeline exactly once, direct and group, and a send that died before its commit point stores nothing', async () => {
    const [aliceId, bobId, carolId, daveId] = [unique('alice'), unique('bob'), unique('carol'), unique('dave')];
    const [alice, bob, carol, dave] = (await Promise.all([aliceId, bobId, carolId, daveId].map((id) => connectAs(cloud, id)))) as [TestClient, TestClient, TestClient, TestClient];
    const created = await alice.request('createGroup', { title: 'repair', members: [carolId, daveId] });
    expect(created.ok).toBe(true);
    const groupId = created.data.conversationId as string;

    // A direct message whose send dies right after the commit point: no timeline item, no head, no listing.
    cloud.lambda.faults.inject({ functionName: 'SendHandler', step: 'send:message-stored', action: 'crash', times: 1 });
    expect(await requestOnce(alice, 'send', { clientMsgId: 'direct-dies', to: bobId, body: text('first ever') })).toBe('crashed');
    // A group message whose send dies after the sender's item, before the fan-out jobs are queued.
    cloud.lambda.faults.inject({ functionName: 'SendHandler', step: 'send:timelines-written', action: 'crash', times: 1 });
    expect(await requestOnce(alice, 'send', { clientMsgId: 'group-dies', conversationId: groupId, body: text('to the group') })).toBe('crashed');
    // And one that dies before anything is stored: there is nothing to repair.
    cloud.lambda.faults.inject({ functionName: 'SendHandler', step: 'send:seqs-allocated', action: 'crash', times: 1 });
    expect(await requestOnce(alice, 'send', { clientMsgId: 'never-stored', to: bobId, body: text('lost before commit') })).toBe('crashed');
    expect(cloud.lambda.faults.fired.map((fault) => fault.step)).toEqual(['send:message-stored', 'send:timelines-written', 'send:seqs-allocated']);

    // Nobody retries. The repair finishes both deliveries.
    const [bobCopies, aliceDirectCopies, carolCopies, daveCopies, aliceGroupCopies] = await Promise.all([
      copiesOnceDelivered(bob, 'direct-dies'),
      copiesOnceDelivered(alice, 'direct-dies'),
      copiesOnceDelivered(carol, 'group-dies'),
      copiesOnceDelivered(dave, 'group-dies'),
      copiesOnceDelivered(alice, 'group-dies'),
    ]);
    expect([bobCopies, aliceDirectCopies, carolCopies, daveCopies, aliceGroupCopies]).toEqual([1, 1, 1, 1, 1]);

    // The direct conversation was listed for both, with its message counted unread for Bob only.
    const bobList = await bob.request('conversations');
    const direct = bobList.data.items.find((c: { lastMessage?: { clientMsgId: string } }) => c.lastMessage?.clientMsgId === 'direct-dies');
    expect(direct).toMatchObject({ unread: 1 });
    const aliceList = await alice.request('conversations');
    expect(aliceList.data.items.find((c: { conversationId: string }) => c.conversationId === direct.conversationId)).toMatchObject({ unread: 0 });
    // The group counts it unread for its members.
    const carolList = await carol.request('conversations');
    expect(carolList.data.items.find((c: { conversationId: string }) => c.conversationId === groupId)).toMatchObject({ unread: 1 });

    // The message that never reached its commit point stays absent everywhere, and later sends work as usual.
    for (const client of [alice, bob]) expect(messagesOf(await syncAll(client)).filter((m) => m.clientMsgId === 'never-stored')).toEqual([]);
    const next = await alice.request('send', { clientMsgId: 'after', to: bobId, body: text('after the repair') });
    expect(next.ok).toBe(true);
    expect(next.data.conversationSeq).toBe(2);
    await expect.poll(async () => messagesOf(await syncAll(bob)).map((m) => m.clientMsgId), { timeout: 30_000 }).toEqual(['direct-dies', 'after']);
    await Promise.all([alice, bob, carol, dave].map((client) => client.close()));
  }, 240_000);
});
