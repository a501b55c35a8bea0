import { directConversationId } from '@serverless-im/protocol';
import { ServerApiError, ServerClient } from '@serverless-im/server-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';
import { MODERATION_ARN, MODERATION_FUNCTION_FILE, moderationCalls, startModerationCloud } from '../support/moderation-cloud.js';
import { RUN_ID } from '../support/protocol-target.js';
import { ok, refused } from '../support/replies.js';
import { StoredItems } from '../support/stored-items.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { isContiguousFrom, messagesOf, syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';

/**
 * The moderation hook (issue 17, docs/moderation.md) end to end: the product stack synthesized
 * with `moderationFunctionArn`, the function run from a file (examples/moderation/handler.mjs's
 * word list behind test/support/moderation-function.mjs), invoked by the send, edit and
 * POST /v1/messages functions through the local Lambda API with their IAM policies checked.
 * Words of the example: `spamlink` is refused, `darn` and `heck` are starred out.
 */

const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };
const text = (value: string) => ({ kind: 'text' as const, text: value });
let counter = 0;
const unique = (name: string) => `${name}-${RUN_ID}-${++counter}`;

interface Harness {
  cloud: LocalCloud;
  stored: StoredItems;
  server: ServerClient;
  connect(userId: string, device?: string): Promise<TestClient>;
  close(): Promise<void>;
}

async function harness(context: Record<string, string>, functionEnvironment: Record<string, string> = {}): Promise<Harness> {
  const cloud = await startModerationCloud(context, { functionEnvironment: { ...NO_RATE_LIMITS, ...functionEnvironment } });
  const clients: TestClient[] = [];
  const stored = new StoredItems(cloud);
  return {
    cloud,
    stored,
    server: new ServerClient({ url: cloud.httpApi!.url, credentials: LOCAL, region: 'us-east-1' }),
    async connect(userId, device) {
      const client = await connectAs(cloud, userId, device);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      stored.close();
      await cloud.stop();
    },
  };
}

/** The newest seq of a user's timeline (its head). */
const timelineLatest = async (stored: StoredItems, userId: string): Promise<number> => Number((await stored.timeline(userId)).find((item) => item.seq === 0)?.latest ?? 0);

/** The server API's refusal of a call, as its error. */
const serverRefusal = (call: Promise<unknown>): Promise<ServerApiError> =>
  call.then(
    (value) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(ServerApiError);
      return error as ServerApiError;
    },
  );

describe('moderation hook, fallback deny', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ moderationFallback: 'deny' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a denied direct send is FORBIDDEN moderated: nothing stored, no seq spent, and the next send takes the next seq without a gap', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await h.connect(alice);
    const b = await h.connect(bob);
    const conversationId = directConversationId(alice, bob);
    await ok(a.request('send', { clientMsgId: 'm1', to: bob, body: text('hello bob') }));
    const seqs = [await timelineLatest(h.stored, alice), await timelineLatest(h.stored, bob)];
    const calls = moderationCalls(h.cloud);

    const reply = await a.request('send', { clientMsgId: 'm2', to: bob, body: text('buy now at spamlink dot com') });
    await refused(Promise.resolve(reply), 'FORBIDDEN', 'moderated');
    expect(reply.error?.message).toContain('spamlink');
    expect(moderationCalls(h.cloud)).toBe(calls + 1);
    expect(await h.stored.containing('buy now at spamlink')).toEqual([]);
    expect([await timelineLatest(h.stored, alice), await timelineLatest(h.stored, bob)]).toEqual(seqs);
    expect((await ok(a.request('syncConversation', { conversationId, after: 0 }))).latest).toBe(1);

    const next = await ok(a.request('send', { clientMsgId: 'm3', to: bob, body: text('sorry about that') }));
    expect(next.conversationSeq).toBe(2);
    expect(next.body).toBeUndefined();
    await b.waitForEvent('message', (item) => item.message?.msgId === next.msgId);
    for (const client of [a, b]) {
      const timeline = await syncAll(client);
      expect(isContiguousFrom(timeline.map((item) => item.seq), 1)).toBe(true);
      expect(timeline.every((item) => item.type !== 'void')).toBe(true);
      expect(messagesOf(timeline).map((m) => m.body.text)).toEqual(['hello bob', 'sorry about that']);
    }
  });

  it('a denied clientMsgId is free again: a retry is a fresh attempt, judged again', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await h.connect(alice);
    await h.connect(bob);
    await refused(a.request('send', { clientMsgId: 'again', to: bob, body: text('spamlink once') }), 'FORBIDDEN', 'moderated');
    await refused(a.request('send', { clientMsgId: 'again', to: bob, body: text('spamlink twice') }), 'FORBIDDEN', 'moderated');
    const calls = moderationCalls(h.cloud);
    const sent = await ok(a.request('send', { clientMsgId: 'again', to: bob, body: text('cleaned up') }));
    expect(moderationCalls(h.cloud)).toBe(calls + 1);
    expect(sent.conversationSeq).toBe(1);
    expect(messagesOf(await syncAll(a)).map((m) => m.body.text)).toEqual(['cleaned up']);
  });

  it('two identical sends at once with a denying moderator: both refused, nothing stored, and the clientMsgId stays usable', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await h.connect(alice);
    await h.connect(bob);
    const request = { clientMsgId: 'twice', to: bob, body: text('spamlink at once') };
    const replies = await Promise.all([a.request('send', request), a.request('send', request)]);
    for (const reply of replies) {
      expect(reply.ok, JSON.stringify(reply)).toBe(false);
      expect(reply.error).toMatchObject({ code: 'FORBIDDEN', reason: 'moderated' });
    }
    expect(await h.stored.containing('spamlink at once')).toEqual([]);
    expect(await timelineLatest(h.stored, alice)).toBe(0);
    const sent = await ok(a.request('send', { ...request, body: text('fine now') }));
    expect(sent.conversationSeq).toBe(1);
  });

  it('a denied group send stores nothing and spends no seq of the sender', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await h.connect(alice);
    const b = await h.connect(bob);
    const { conversationId } = await ok(a.request('createGroup', { title: 'moderated', members: [bob] }));
    const before = await timelineLatest(h.stored, alice);
    await refused(a.request('send', { clientMsgId: 'g1', conversationId, body: text('group spamlink') }), 'FORBIDDEN', 'moderated');
    expect(await h.stored.containing('group spamlink')).toEqual([]);
    expect(await timelineLatest(h.stored, alice)).toBe(before);
    const sent = await ok(a.request('send', { clientMsgId: 'g2', conversationId, body: text('group hello') }));
    expect(sent.conversationSeq).toBe(1);
    await b.waitForEvent('message', (item) => item.message?.msgId === sent.msgId);
  });

  it('a redacted send: the reply, every device, sync and history show the replacement; the original is stored nowhere; a retry asks nobody', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const phone = await h.connect(alice, 'phone');
    const laptop = await h.connect(alice, 'laptop');
    const b = await h.connect(bob);
    const conversationId = directConversationId(alice, bob);
    const request = { clientMsgId: 'r1', to: bob, body: text(`well darn it ${alice}`) };
    const redacted = text(`well **** it ${alice}`);

    const reply = await ok(phone.request('send', request));
    expect(reply.body).toEqual(redacted);
    const pushedToBob = await b.waitForEvent('message', (item) => item.message?.msgId === reply.msgId);
    expect(pushedToBob.data.message.body).toEqual(redacted);
    const pushedToLaptop = await laptop.waitForEvent('message', (item) => item.message?.msgId === reply.msgId);
    expect(pushedToLaptop.data.message.body).toEqual(redacted);
    for (const client of [phone, b]) expect(messagesOf(await syncAll(client)).map((m) => m.body)).toEqual([redacted]);
    expect((await ok(b.request('history', { conversationId }))).items.map((m: any) => m.body)).toEqual([redacted]);
    expect(await h.stored.containing('well darn it')).toEqual([]);

    const calls = moderationCalls(h.cloud);
    const retried = await ok(phone.request('send', request));
    expect(retried).toEqual(reply);
    expect(moderationCalls(h.cloud)).toBe(calls);
  });

  it('a redacted group send reaches the other members redacted', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await h.connect(alice);
    const b = await h.connect(bob);
    const { conversationId } = await ok(a.request('createGroup', { title: 'redacted', members: [bob] }));
    const reply = await ok(a.request('send', { clientMsgId: 'g', conversationId, body: text('oh heck') }));
    expect(reply.body).toEqual(text('oh ****'));
    const pushed = await b.waitForEvent('message', (item) => item.message?.msgId === reply.msgId);
    expect(pushed.data.message.body).toEqual(text('oh ****'));
  });

  it('edits: a denied edit changes nothing, a redacted one is stored and delivered redacted', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await h.connect(alice);
    const b = await h.connect(bob);
    const conversationId = directConversationId(alice, bob);
    const sent = await ok(a.request('send', { clientMsgId: 'e', to: bob, body: text('first draft') }));
    await b.waitForEvent('message', (item) => item.message?.msgId === sent.msgId);

    const calls = moderationCalls(h.cloud);
    await refused(a.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text('edited to spamlink') }), 'FORBIDDEN', 'moderated');
    expect(moderationCalls(h.cloud)).toBe(calls + 1);
    expect(await h.stored.containing('edited to spamlink')).toEqual([]);
    const unchanged = (await ok(b.request('history', { conversationId }))).items[0];
    expect(unchanged.body).toEqual(text('first draft'));
    expect(unchanged.version ?? 1).toBe(1);

    const edited = await ok(a.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text('second darn draft') }));
    expect(edited.message.body).toEqual(text('second **** draft'));
    const update = await b.waitForEvent('message', (item) => item.type === 'update' && item.message?.msgId === sent.msgId && item.message?.version === edited.message.version);
    expect(update.data.message.body).toEqual(text('second **** draft'));
    expect((await ok(b.request('history', { conversationId }))).items[0].body).toEqual(text('second **** draft'));
    expect(await h.stored.containing('second darn draft')).toEqual([]);

    // The same edit again changes nothing (its redaction is what is stored); recall and react are not judged.
    const again = await ok(a.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text('second darn draft') }));
    expect(again.message.version).toBe(edited.message.version);
    const beforeOthers = moderationCalls(h.cloud);
    await ok(b.request('react', { conversationId, conversationSeq: sent.conversationSeq, emoji: '👍', on: true }));
    await ok(a.request('recall', { conversationId, conversationSeq: sent.conversationSeq }));
    expect(moderationCalls(h.cloud)).toBe(beforeOthers);
  });

  it('a function that throws, answers garbage, redacts into an invalid body or is late: the fallback (deny) applies, nothing stored', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await h.connect(alice);
    await h.connect(bob);
    for (const [index, marker] of ['#throw', '#garbage', '#badreplace', '#slow:allow'].entries()) {
      const body = text(`fallback ${marker} ${alice}`);
      const reply = await a.request('send', { clientMsgId: `f${index}`, to: bob, body });
      await refused(Promise.resolve(reply), 'FORBIDDEN', 'moderated');
      // Not the function's own refusal (it would have allowed, or said nothing): the fallback's.
      expect(reply.error?.message, marker).toContain('could not be checked');
      expect(await h.stored.containing(`fallback ${marker}`)).toEqual([]);
    }
    expect(await timelineLatest(h.stored, alice)).toBe(0);
    const sent = await ok(a.request('send', { clientMsgId: 'f0', to: bob, body: text('after the fallbacks') }));
    expect(sent.conversationSeq).toBe(1);
  });

  it('an edit whose moderation fails is refused (fallback deny)', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await h.connect(alice);
    await h.connect(bob);
    const conversationId = directConversationId(alice, bob);
    const sent = await ok(a.request('send', { clientMsgId: 'x', to: bob, body: text('original') }));
    await refused(a.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text('edit #throw') }), 'FORBIDDEN', 'moderated');
    await refused(a.request('edit', { conversationId, conversationSeq: sent.conversationSeq, body: text('edit #slow:allow') }), 'FORBIDDEN', 'moderated');
    expect((await ok(a.request('history', { conversationId }))).items[0].body).toEqual(text('original'));
  });

  it('the server API: POST /v1/messages is judged too (403 moderated, redaction in the reply and on devices)', async () => {
    const [bot, bob] = [unique('bot'), unique('bob')];
    const b = await h.connect(bob);
    const refusal = await serverRefusal(h.server.sendMessage({ from: bot, to: bob, clientMsgId: 's1', body: text('server spamlink') }));
    expect([refusal.status, refusal.code, refusal.reason]).toEqual([403, 'FORBIDDEN', 'moderated']);
    expect(await h.stored.containing('server spamlink')).toEqual([]);

    const reply = await h.server.sendMessage({ from: bot, to: bob, clientMsgId: 's1', body: text('what the heck') });
    expect(reply.conversationSeq).toBe(1);
    expect(reply.body).toEqual(text('what the ****'));
    const pushed = await b.waitForEvent('message', (item) => item.message?.msgId === reply.msgId);
    expect(pushed.data.message.body).toEqual(text('what the ****'));
    const failed = await serverRefusal(h.server.sendMessage({ from: bot, to: bob, clientMsgId: 's2', body: text('#throw from the server') }));
    expect([failed.status, failed.reason]).toEqual([403, 'moderated']);
  });
});

describe('moderation hook, fallback allow', () => {
  let h: Harness;
  beforeAll(async () => {
    // The template's setting is deny; the functions read it from their environment, which this cloud overrides.
    h = await harness({ moderationFallback: 'deny' }, { MODERATION_FALLBACK: 'allow' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a function that throws or is late lets the message through as sent, and its late answer is ignored', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await h.connect(alice);
    const b = await h.connect(bob);
    const conversationId = directConversationId(alice, bob);
    const thrown = await ok(a.request('send', { clientMsgId: 't', to: bob, body: text('through #throw') }));
    expect(thrown.body).toBeUndefined();
    // It would deny, after the deadline: the fallback already let it through.
    const late = await ok(a.request('send', { clientMsgId: 'l', to: bob, body: text('through #slow:deny') }));
    expect(late.conversationSeq).toBe(2);
    await b.waitForEvent('message', (item) => item.message?.msgId === late.msgId);
    expect(messagesOf(await syncAll(b)).map((m) => m.body.text)).toEqual(['through #throw', 'through #slow:deny']);
    // A decision that arrives in time still counts.
    await refused(a.request('send', { clientMsgId: 'd', to: bob, body: text('spamlink still') }), 'FORBIDDEN', 'moderated');
    const edited = await ok(a.request('edit', { conversationId, conversationSeq: thrown.conversationSeq, body: text('edited #throw') }));
    expect(edited.message.body).toEqual(text('edited #throw'));
    const server = await h.server.sendMessage({ from: unique('bot'), to: bob, clientMsgId: 'sv', body: text('server #throw') });
    expect(server.body).toBeUndefined();
  });
});

describe('moderation hook, IAM enforced', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    // The default template grants no invoke; its send function is told the ARN all the same.
    cloud = await startTestCloud({
      functionEnvironment: { ...NO_RATE_LIMITS, MODERATION_FUNCTION_ARN: MODERATION_ARN, MODERATION_TIMEOUT_MS: '4000', MODERATION_FALLBACK: 'deny' },
      extraFunctions: [{ name: 'moderation', file: MODERATION_FUNCTION_FILE }],
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('a role without lambda:InvokeFunction on the ARN is refused by IAM: the function never runs and the fallback applies', async () => {
    expect(cloud.iam).toBeDefined();
    const [alice, bob] = [unique('alice'), unique('bob')];
    const a = await connectAs(cloud, alice);
    clients.push(a);
    const reply = await a.request('send', { clientMsgId: 'iam', to: bob, body: text('hello') });
    await refused(Promise.resolve(reply), 'FORBIDDEN', 'moderated');
    expect(reply.error?.message).toContain('could not be checked');
    expect(moderationCalls(cloud)).toBe(0);
    expect(cloud.iam!.denials.filter((denial) => denial.request.action === 'lambda:InvokeFunction' && denial.request.resource === MODERATION_ARN).length).toBeGreaterThan(0);
  });
});
