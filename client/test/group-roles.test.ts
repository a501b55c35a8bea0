import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeServer } from './fake-server.js';
import { done, makeClient, text, until } from './helpers.js';

describe('group roles and reports in the SDK', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes an admin, updates the group, and keeps role, admins and the flags in the conversation list', async () => {
    const owner = makeClient(server, 'olga');
    const member = makeClient(server, 'bob');
    await owner.client.start();
    await member.client.start();
    const { conversationId } = await done(owner.client.createGroup('team', ['alice', 'bob']));
    expect(await done(owner.client.setRole(conversationId, 'alice', 'admin'))).toEqual({ userId: 'alice', role: 'admin', changed: true });
    expect(await done(owner.client.updateGroup(conversationId, { title: 'quiet team', onlyAdminsSend: true }))).toMatchObject({
      title: 'quiet team',
      onlyAdminsSend: true,
      onlyAdminsAdd: false,
      changed: true,
    });
    // The member's list follows the system items (a reload of the list).
    await until(() => member.client.conversation(conversationId)?.onlyAdminsSend === true);
    expect(member.client.conversation(conversationId)).toMatchObject({ role: 'member', owner: 'olga', admins: ['alice'], title: 'quiet team' });
    expect(member.client.maySend(conversationId)).toBe(false);
    await until(() => owner.client.conversation(conversationId)?.onlyAdminsSend === true);
    expect(owner.client.maySend(conversationId)).toBe(true);
    await expect(done(member.client.send({ conversationId, body: text('may I?'), clientMsgId: 'm1' }))).rejects.toMatchObject({ code: 'FORBIDDEN', reason: 'onlyAdminsSend' });
    await expect(done(member.client.updateGroup(conversationId, { onlyAdminsSend: false }))).rejects.toMatchObject({ code: 'FORBIDDEN', reason: 'notAdmin' });
    await owner.client.stop();
    await member.client.stop();
  });

  it('transfers ownership (the old owner becomes an admin) and reports a message once', async () => {
    const owner = makeClient(server, 'olga');
    const member = makeClient(server, 'bob');
    await owner.client.start();
    await member.client.start();
    const { conversationId } = await done(owner.client.createGroup('team', ['bob']));
    const sent = await done(owner.client.send({ conversationId, body: text('hello'), clientMsgId: 'o1' }));
    expect(await done(owner.client.transferOwnership(conversationId, 'bob'))).toEqual({ owner: 'bob', previousOwner: 'olga', previousOwnerRole: 'admin' });
    await until(() => owner.client.conversation(conversationId)?.role === 'admin');
    await expect(done(owner.client.setRole(conversationId, 'bob', 'member'))).rejects.toMatchObject({ code: 'FORBIDDEN', reason: 'notOwner' });
    const first = await done(member.client.report(conversationId, sent.conversationSeq, 'spam'));
    expect(first).toMatchObject({ reason: 'spam', alreadyReported: false });
    expect(await done(member.client.report(conversationId, sent.conversationSeq, 'hate'))).toEqual({ ...first, alreadyReported: true });
    await owner.client.stop();
    await member.client.stop();
  });
});
