import { directConversationId } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { RUN_ID } from '../support/protocol-target.js';
import { ok, refused, text } from '../support/replies.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import type { TestClient } from '../support/ws-client.js';

let counter = 0;
const unique = (name: string) => `${name}-${RUN_ID}-${++counter}`;

/**
 * Presence and typing privacy (issue 17): a stranger must learn nothing from `presence` (not even
 * whether a user exists) and cannot make anyone see "X is typing". Written before the fix, these
 * tests failed on the code that answered every `presence` and relayed typing into any direct
 * conversation id naming the caller.
 */
describe('presence and typing privacy', () => {
  let cloud: LocalCloud;
  const clients: TestClient[] = [];
  const connect = async (userId: string) => {
    const client = await connectAs(cloud, userId);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  /**
   * The typing push of a request is made before its reply; a frame the victim receives after it
   * (the reply to its own ping, on the same socket) therefore comes after any such push.
   */
  async function typingEventsAfterSettling(victim: TestClient, conversationId: string): Promise<number> {
    await ok(victim.request('ping'));
    return victim.events.filter((event) => event.event === 'typing' && event.data.conversationId === conversationId).length;
  }

  it('answers a stranger about an online, seen user exactly as about a user who never existed', async () => {
    const [stranger, victim, friend, nobody] = [unique('stranger'), unique('victim'), unique('friend'), unique('nobody')];
    const s = await connect(stranger);
    const v = await connect(victim);
    const f = await connect(friend);
    // The victim was seen before (an earlier connection ended) and is online now.
    const earlier = await connectAs(cloud, victim);
    await earlier.close();
    await ok(f.request('send', { clientMsgId: 'hello', to: victim, body: text('hi') }));

    const asked = (await ok(s.request('presence', { users: [victim, nobody] }))).users;
    expect(asked[victim]).toEqual({ online: false, lastSeen: null });
    expect(asked[nobody]).toEqual({ online: false, lastSeen: null });
    // A user who shares a conversation with the victim sees them.
    expect((await ok(f.request('presence', { users: [victim] }))).users[victim]).toMatchObject({ online: true });
    // And the victim sees the friend, not the stranger.
    const seenByVictim = (await ok(v.request('presence', { users: [friend, stranger] }))).users;
    expect(seenByVictim[friend]).toMatchObject({ online: true });
    expect(seenByVictim[stranger]).toEqual({ online: false, lastSeen: null });
  });

  it('reports presence between members of a shared group', async () => {
    const [owner, member, outsider] = [unique('owner'), unique('member'), unique('outsider')];
    const o = await connect(owner);
    await connect(member);
    const x = await connect(outsider);
    await ok(o.request('createGroup', { title: 'shared', members: [member] }));
    expect((await ok(o.request('presence', { users: [member] }))).users[member]).toMatchObject({ online: true });
    expect((await ok(x.request('presence', { users: [member, owner] }))).users).toEqual({
      [member]: { online: false, lastSeen: null },
      [owner]: { online: false, lastSeen: null },
    });
  });

  it('does not relay typing into a direct conversation that does not exist yet', async () => {
    const [stranger, victim] = [unique('stranger'), unique('victim')];
    const s = await connect(stranger);
    const v = await connect(victim);
    const conversationId = directConversationId(stranger, victim);
    // Accepted (typing is fire and forget, and the caller learns nothing), but nobody is told.
    await ok(s.request('typing', { conversationId }));
    expect(await typingEventsAfterSettling(v, conversationId)).toBe(0);

    // Once a message made it a conversation, typing is relayed.
    await ok(v.request('send', { clientMsgId: 'first', to: stranger, body: text('hello?') }));
    await ok(s.request('typing', { conversationId }));
    await v.waitForEvent('typing', (data) => data.conversationId === conversationId && data.userId === stranger);
  });

  it('refuses typing into a conversation the caller is not a member of', async () => {
    const [alice, bob, mallory] = [unique('alice'), unique('bob'), unique('mallory')];
    const a = await connect(alice);
    const b = await connect(bob);
    const m = await connect(mallory);
    const conversationId = (await ok(a.request('send', { clientMsgId: 'x', to: bob, body: text('private') }))).conversationId;
    await refused(m.request('typing', { conversationId }), 'FORBIDDEN', 'notMember');
    const { conversationId: group } = await ok(a.request('createGroup', { title: 'g', members: [bob] }));
    await refused(m.request('typing', { conversationId: group }), 'FORBIDDEN', 'notMember');
    expect(await typingEventsAfterSettling(b, conversationId)).toBe(0);
    expect(await typingEventsAfterSettling(b, group)).toBe(0);
  });
});
