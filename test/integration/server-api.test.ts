import { gatewayErrorBody, serverApiErrorBody, type ServerApiOperation, serverApiRoutes } from '@serverless-im/protocol/server-api';
import { pathOf, ServerApiError, ServerClient } from '@serverless-im/server-client';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessKeyIdOf, FUNCTION_SECRET_ACCESS_KEY } from '../../local-cloud/function-environment.js';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { run as runCli } from '../../scripts/server-api.js';
import { StoredItems } from '../support/stored-items.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { messagesOf, syncAll } from '../support/timeline-reader.js';
import { HandshakeRefused, TestClient } from '../support/ws-client.js';

/**
 * The server API (issue 16) end to end on the local cloud: the synthesized stack's HTTP API,
 * SigV4 verified, each route's Lambda, real WebSocket clients on the other side. Every response
 * is checked against its route's schemas (docs/server-api.openapi.json is generated from them).
 */

const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };
const text = (value: string) => ({ kind: 'text' as const, text: value });
let counter = 0;
const user = (name: string) => `${name}-${Date.now().toString(36)}-${++counter}`;

/** The status and JSON of a response, checked against what the route documents for that status. */
async function documented(operation: ServerApiOperation | undefined, response: Response): Promise<{ status: number; body: any }> {
  const body = (await response.json()) as any;
  if (response.status === 200 || response.status === 202) {
    expect(operation, 'a 200 only comes from a route').toBeDefined();
    expect(response.status).toBe(serverApiRoutes[operation!].successStatus ?? 200);
    const parsed = serverApiRoutes[operation!].reply.safeParse(body);
    expect(parsed.success, `${operation} reply ${JSON.stringify(body)} matches its schema`).toBe(true);
  } else if ('error' in body) {
    expect(serverApiErrorBody.safeParse(body).success, JSON.stringify(body)).toBe(true);
    if (operation) expect(serverApiRoutes[operation].errors).toContain(body.error.code);
  } else {
    expect(gatewayErrorBody.safeParse(body).success, JSON.stringify(body)).toBe(true);
  }
  return { status: response.status, body };
}

describe('server API (IAM-signed HTTP)', () => {
  let cloud: LocalCloud;
  let server: ServerClient;
  let stored: StoredItems;
  const clients: TestClient[] = [];
  const connect = async (userId: string, device?: string) => {
    const client = await connectAs(cloud, userId, device);
    clients.push(client);
    return client;
  };
  /** A signed call answered as is, checked against the route's documented responses. */
  const signed = async (operation: ServerApiOperation, params: Record<string, string>, body?: unknown, query = '') => {
    const route = serverApiRoutes[operation];
    return documented(operation, await server.request(route.method, pathOf(route.path, params) + query, body));
  };
  const invocations = (operation: ServerApiOperation): number => {
    const prefix = `ServerApi${operation[0]!.toUpperCase()}${operation.slice(1)}Handler`;
    const fn = cloud.model.functions.find((candidate) => candidate.logicalId.startsWith(prefix));
    if (!fn) throw new Error(`no function ${prefix}`);
    return cloud.lambda.stats()[fn.name]?.invocations ?? 0;
  };
  const closed = (client: TestClient): Promise<number> =>
    new Promise((resolve) => {
      if (client.socket.readyState === client.socket.CLOSED) resolve(client.closeCode ?? 0);
      else client.socket.once('close', (code) => resolve(code));
    });

  beforeAll(async () => {
    cloud = await startTestCloud();
    server = new ServerClient({ url: cloud.httpApi!.url, credentials: LOCAL, region: 'us-east-1' });
    stored = new StoredItems(cloud);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    stored?.close();
    await cloud?.stop();
  });

  describe('every route refuses unsigned and badly signed requests (403), and answers signed ones', () => {
    const cases: { operation: ServerApiOperation; params: Record<string, string>; body?: unknown; expected: number }[] = [
      { operation: 'postMessage', params: {}, body: { from: 'sig-bot', to: 'sig-user', clientMsgId: 'sig-1', body: text('hi') }, expected: 200 },
      { operation: 'createGroup', params: {}, body: { title: 'Signed', owner: 'sig-owner', members: ['sig-user'] }, expected: 200 },
      { operation: 'addGroupMembers', params: { id: 'g:doesnotexist0001' }, body: { members: ['sig-user'] }, expected: 404 },
      { operation: 'removeGroupMember', params: { id: 'g:doesnotexist0001', userId: 'sig-user' }, expected: 404 },
      { operation: 'conversationMessages', params: { id: 'dm:sig-bot:sig-user' }, expected: 200 },
      { operation: 'userConversations', params: { id: 'sig-user' }, expected: 200 },
      { operation: 'disconnectUser', params: { id: 'sig-nobody' }, expected: 200 },
      // Nothing is stored about sig-nobody: nothing to erase, and no erasure to follow.
      { operation: 'eraseUser', params: { id: 'sig-nobody' }, expected: 404 },
      { operation: 'erasureStatus', params: { id: 'sig-nobody' }, expected: 404 },
      { operation: 'exportUser', params: { id: 'sig-nobody' }, expected: 404 },
    ];

    it('covers every route of the API', () => {
      expect(new Set(cases.map((c) => c.operation))).toEqual(new Set(Object.keys(serverApiRoutes)));
    });

    for (const { operation, params, body, expected } of cases) {
      it(`${serverApiRoutes[operation].method} ${serverApiRoutes[operation].path}`, async () => {
        const route = serverApiRoutes[operation];
        const url = `${cloud.httpApi!.url}${pathOf(route.path, params)}`;
        const init = { method: route.method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) };
        const before = invocations(operation);
        const unsigned = await documented(operation, await fetch(url, init));
        expect(unsigned.status).toBe(403);
        expect(unsigned.body.message).toBe('Forbidden');

        const wrongSecret = new ServerClient({ url: cloud.httpApi!.url, credentials: { accessKeyId: 'local', secretAccessKey: 'not-local' } });
        const badlySigned = await documented(operation, await wrongSecret.request(route.method, pathOf(route.path, params), body));
        expect(badlySigned.status).toBe(403);
        const unknownKey = new ServerClient({ url: cloud.httpApi!.url, credentials: { accessKeyId: 'AKIANOTAKEY', secretAccessKey: 'x' } });
        expect((await documented(operation, await unknownKey.request(route.method, pathOf(route.path, params), body))).status).toBe(403);
        // Refused at the gateway: no function ran.
        expect(invocations(operation)).toBe(before);

        expect((await signed(operation, params, body)).status).toBe(expected);
      });
    }

    it('a principal without execute-api:Invoke on the route is refused (403), validly signed or not', async () => {
      // The ping function's role has no server API grant (only the managed policy grants it).
      const ping = cloud.model.functions.find((fn) => fn.logicalId.startsWith('PingHandler'))!;
      const asPing = new ServerClient({ url: cloud.httpApi!.url, credentials: { accessKeyId: accessKeyIdOf(ping), secretAccessKey: FUNCTION_SECRET_ACCESS_KEY } });
      const before = invocations('disconnectUser');
      const refused = await documented('disconnectUser', await asPing.request('POST', '/v1/users/someone/disconnect'));
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/is not authorized to perform: execute-api:Invoke/);
      expect(invocations('disconnectUser')).toBe(before);
    });

    it('an unknown route is 404, signed or not', async () => {
      const response = await documented(undefined, await server.request('GET', '/v1/nothing-here'));
      expect(response.status).toBe(404);
      expect((await server.request('DELETE', '/v1/messages')).status).toBe(404);
    });
  });

  describe('POST /v1/messages', () => {
    it("reaches the user's live devices (push) and sync like any message, and the bot's own devices", async () => {
      const [bot, bob] = [user('bot'), user('bob')];
      const phone = await connect(bob, 'phone');
      const laptop = await connect(bob, 'laptop');
      const botDevice = await connect(bot, 'console');
      const reply = await server.sendMessage({ from: bot, to: bob, clientMsgId: 'order-1', body: text('Your order shipped') });
      expect(serverApiRoutes.postMessage.reply.safeParse(reply).success).toBe(true);
      for (const device of [phone, laptop, botDevice]) {
        const pushed = await device.waitForEvent('message', (data) => data.message?.msgId === reply.msgId);
        expect(pushed.data.message).toMatchObject({ from: bot, body: text('Your order shipped'), clientMsgId: 'order-1', conversationSeq: reply.conversationSeq });
      }
      const synced = messagesOf(await syncAll(phone));
      expect(synced.map((message) => message.msgId)).toEqual([reply.msgId]);
      // The conversation is in both users' lists, as after a WebSocket send.
      const listed = await server.userConversations(bob);
      expect(listed.items.map((item) => item.conversationId)).toContain(reply.conversationId);
      expect((await server.userConversations(bot)).items.map((item) => item.conversationId)).toContain(reply.conversationId);
    });

    it('a retry with the same clientMsgId stores once and answers the first reply', async () => {
      const [bot, carol] = [user('bot'), user('carol')];
      const request = { from: bot, to: carol, clientMsgId: 'retry-1', body: text('once') };
      const first = await server.sendMessage(request);
      const second = await server.sendMessage(request);
      expect(second).toEqual(first);
      const history = await server.conversationMessages(first.conversationId);
      expect(history.items.map((message) => message.msgId)).toEqual([first.msgId]);
      const copies = (await stored.timeline(carol)).filter((item) => item.itemKey === first.msgId);
      expect(copies).toHaveLength(1);
    });

    it('a retry after the function crashed past the commit point finishes delivery and stores once', async () => {
      const [bot, gil] = [user('bot'), user('gil')];
      const device = await connect(gil);
      cloud.lambda.faults.inject({ functionName: 'ServerApiPostMessageHandler', step: 'send:message-stored', action: 'crash', times: 1 });
      const request = { from: bot, to: gil, clientMsgId: 'crash-1', body: text('survives') };
      const lost = await documented('postMessage', await server.request('POST', '/v1/messages', request));
      expect(lost.status).toBe(500);
      const reply = await server.sendMessage(request);
      await device.waitForEvent('message', (data) => data.message?.msgId === reply.msgId);
      expect(messagesOf(await syncAll(device)).map((message) => message.clientMsgId)).toEqual(['crash-1']);
      expect((await server.conversationMessages(reply.conversationId)).items).toHaveLength(1);
    });

    it('two concurrent identical requests store one message', async () => {
      const [bot, dave] = [user('bot'), user('dave')];
      const request = { from: bot, to: dave, clientMsgId: 'race-1', body: text('at once') };
      const outcomes = await Promise.allSettled([server.sendMessage(request), server.sendMessage(request)]);
      const replies = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      // A loser may be told to retry (CONFLICT inProgress); a retry then answers the same reply.
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ status: 409, code: 'CONFLICT', reason: 'inProgress' });
      }
      const settled = await server.sendMessage(request);
      for (const reply of replies) expect(reply).toEqual(settled);
      const history = await server.conversationMessages(settled.conversationId);
      expect(history.items.map((message) => message.clientMsgId)).toEqual(['race-1']);
      expect((await stored.timeline(dave)).filter((item) => item.itemKey === settled.msgId)).toHaveLength(1);
    });

    it('sends into a group the sender belongs to, refuses a group it does not (403) and one that does not exist (404)', async () => {
      const [owner, bot, outsider] = [user('owner'), user('bot'), user('outsider')];
      const member = await connect(owner);
      const { conversationId } = await server.createGroup({ title: 'Support', owner, members: [bot] });
      const reply = await server.sendMessage({ from: bot, conversationId, clientMsgId: 'g-1', body: text('How can I help?') });
      await member.waitForEvent('message', (data) => data.message?.msgId === reply.msgId);
      const notMember = await signed('postMessage', {}, { from: outsider, conversationId, clientMsgId: 'g-2', body: text('let me in') });
      expect(notMember).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', reason: 'notMember' } } });
      const missing = await signed('postMessage', {}, { from: bot, conversationId: 'g:nosuchgroup00001', clientMsgId: 'g-3', body: text('?') });
      expect(missing).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
      const history = await server.conversationMessages(conversationId);
      expect(history.items.map((message) => message.msgId)).toEqual([reply.msgId]);
    });
  });

  describe('groups', () => {
    it('creates a group for its owner, adds and removes members as the owner, and passes ownership when the owner is removed', async () => {
      const [owner, ann, ben] = [user('owner'), user('ann'), user('ben')];
      const ownerDevice = await connect(owner);
      const annDevice = await connect(ann);
      const created = await signed('createGroup', {}, { title: 'Order 42', owner, members: [ann] });
      expect(created.status).toBe(200);
      const { conversationId } = created.body;
      const ownerCreated = await ownerDevice.waitForEvent('message', (data) => data.system?.event === 'groupCreated' && data.system.conversationId === conversationId);
      expect(ownerCreated.data.system.by).toBe(owner);
      await annDevice.waitForEvent('message', (data) => data.system?.event === 'groupCreated' && data.system.conversationId === conversationId);

      const added = await signed('addGroupMembers', { id: conversationId }, { members: [ben] });
      expect(added).toMatchObject({ status: 200, body: { members: [ann, ben, owner].sort(), memberCount: 3 } });
      const addedEvent = await annDevice.waitForEvent('message', (data) => data.system?.event === 'membersAdded');
      expect(addedEvent.data.system).toMatchObject({ by: owner, members: [ben] });
      // Adding again changes nothing.
      expect(await signed('addGroupMembers', { id: conversationId }, { members: [ben] })).toMatchObject({ status: 200, body: { memberCount: 3 } });

      const removed = await signed('removeGroupMember', { id: conversationId, userId: ben });
      expect(removed).toMatchObject({ status: 200, body: { members: [ann, owner].sort(), memberCount: 2 } });
      expect(await signed('removeGroupMember', { id: conversationId, userId: ben })).toMatchObject({ status: 200, body: { memberCount: 2 } });

      const ownerLeft = await signed('removeGroupMember', { id: conversationId, userId: owner });
      expect(ownerLeft).toMatchObject({ status: 200, body: { members: [ann], memberCount: 1 } });
      // Ann owns it now: the group can still be managed.
      expect(await signed('addGroupMembers', { id: conversationId }, { members: [ben] })).toMatchObject({ status: 200, body: { memberCount: 2 } });
      const annList = await server.userConversations(ann);
      expect(annList.items.find((item) => item.conversationId === conversationId)).toBeDefined();
      expect((await server.userConversations(owner)).items.find((item) => item.conversationId === conversationId)).toBeUndefined();
    });

    it('a direct conversation or a malformed id is no group', async () => {
      expect(await signed('addGroupMembers', { id: 'dm:a:b' }, { members: ['c'] })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
      expect(await signed('removeGroupMember', { id: 'not-a-conversation', userId: 'c' })).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST', reason: 'invalidField' } } });
    });
  });

  describe('GET /v1/conversations/{id}/messages', () => {
    it('pages back through a conversation as the server, newest first', async () => {
      const [bot, eve] = [user('bot'), user('eve')];
      const sent = [];
      for (let index = 1; index <= 5; index++) sent.push(await server.sendMessage({ from: bot, to: eve, clientMsgId: `p${index}`, body: text(`m${index}`) }));
      const conversationId = sent[0]!.conversationId;
      const first = await signed('conversationMessages', { id: conversationId }, undefined, '?limit=2');
      expect(first.body.items.map((message: { conversationSeq: number }) => message.conversationSeq)).toEqual([5, 4]);
      expect(first.body.hasMore).toBe(true);
      const rest = await server.conversationMessages(conversationId, { before: 4, limit: 10 });
      expect(rest.items.map((message) => message.conversationSeq)).toEqual([3, 2, 1]);
      expect(rest.hasMore).toBe(false);
    });
  });

  describe('POST /v1/users/{id}/disconnect', () => {
    it('closes every live socket of the user; the user reconnects only with a valid token', async () => {
      const frank = user('frank');
      const other = await connect(user('other'));
      const phone = await connect(frank, 'phone');
      const laptop = await connect(frank, 'laptop');
      const closes = [closed(phone), closed(laptop)];
      expect(await server.disconnectUser(frank)).toEqual({ closed: 2 });
      await Promise.all(closes);
      expect(phone.socket.readyState).toBe(phone.socket.CLOSED);
      expect(laptop.socket.readyState).toBe(laptop.socket.CLOSED);
      // Somebody else's connection is untouched.
      expect((await other.request('ping')).ok).toBe(true);

      await expect(TestClient.connect(cloud.url, { token: 'not-a-jwt' })).rejects.toEqual(new HandshakeRefused(401));
      const again = await connect(frank, 'phone');
      expect((await again.request('ping')).ok).toBe(true);
      // The old connections are gone (410, not counted) even while their records remain.
      const closing = closed(again);
      expect(await server.disconnectUser(frank)).toEqual({ closed: 1 });
      await closing;
      expect(await server.disconnectUser(frank)).toEqual({ closed: 0 });
    });
  });

  describe('scripts/server-api.ts', () => {
    it('posts a bot message and disconnects a user, signing with the default AWS credential chain', async () => {
      const [bot, hal] = [user('bot'), user('hal')];
      const device = await connect(hal);
      const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, profile: process.env.AWS_PROFILE };
      // The environment is the chain's first source, as on a CI runner or a container.
      process.env.AWS_ACCESS_KEY_ID = 'local';
      process.env.AWS_SECRET_ACCESS_KEY = 'local';
      delete process.env.AWS_PROFILE;
      try {
        const env = { IM_SERVER_API_URL: cloud.httpApi!.url };
        const reply = (await runCli(['post', '--from', bot, '--to', hal, '--text', 'from the CLI', '--client-msg-id', 'cli-1'], env)) as { msgId: string };
        await device.waitForEvent('message', (data) => data.message?.msgId === reply.msgId);
        const closing = closed(device);
        expect(await runCli(['disconnect', '--user', hal], env)).toEqual({ closed: 1 });
        await closing;
      } finally {
        for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret], ['AWS_PROFILE', saved.profile]] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    });
  });

  describe('curl --aws-sigv4, as docs/server-api.md shows it', () => {
    const curl = async (...args: string[]): Promise<string> => (await promisify(execFile)('curl', ['-sS', '--aws-sigv4', 'aws:amz:us-east-1:execute-api', '--user', 'local:local', ...args])).stdout;
    const hasCurl = promisify(execFile)('curl', ['--help', 'all']).then(({ stdout }) => stdout.includes('--aws-sigv4'), () => false);

    it('posts a message and reads a conversation list', async (context) => {
      if (!(await hasCurl)) context.skip();
      const [bot, ida] = [user('bot'), user('ida')];
      const sent = JSON.parse(
        await curl('-X', 'POST', '-H', 'content-type: application/json', '--data', JSON.stringify({ from: bot, to: ida, clientMsgId: 'curl-1', body: text('via curl') }), `${cloud.httpApi!.url}/v1/messages`),
      );
      expect(serverApiRoutes.postMessage.reply.safeParse(sent).success, JSON.stringify(sent)).toBe(true);
      const listed = JSON.parse(await curl(`${cloud.httpApi!.url}/v1/users/${ida}/conversations`));
      expect(listed.items.map((item: { conversationId: string }) => item.conversationId)).toEqual([sent.conversationId]);
    });
  });

  describe('bad input is 400 with the protocol codes, never 500', () => {
    const bad: { name: string; operation: ServerApiOperation; params?: Record<string, string>; body?: unknown; raw?: string; query?: string; code: string; reason: string }[] = [
      { name: 'no from', operation: 'postMessage', body: { to: 'x', clientMsgId: 'b1', body: text('hi') }, code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'both to and conversationId', operation: 'postMessage', body: { from: 'a', to: 'b', conversationId: 'dm:a:b', clientMsgId: 'b1', body: text('hi') }, code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'an unknown field', operation: 'postMessage', body: { from: 'a', to: 'b', clientMsgId: 'b1', body: text('hi'), admin: true }, code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'a message to oneself', operation: 'postMessage', body: { from: 'a', to: 'a', clientMsgId: 'b1', body: text('hi') }, code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'a body over its limit', operation: 'postMessage', body: { from: 'a', to: 'b', clientMsgId: 'b1', body: text('x'.repeat(4001)) }, code: 'TOO_LARGE', reason: 'bodyTooLarge' },
      { name: 'not JSON', operation: 'postMessage', raw: '{"from":', code: 'BAD_REQUEST', reason: 'invalidFrame' },
      { name: 'a JSON array', operation: 'createGroup', raw: '[]', code: 'BAD_REQUEST', reason: 'invalidFrame' },
      { name: 'no body', operation: 'createGroup', raw: '', code: 'BAD_REQUEST', reason: 'invalidFrame' },
      { name: 'an empty title', operation: 'createGroup', body: { title: '  ', owner: 'a', members: [] }, code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'a bad user id', operation: 'createGroup', body: { title: 't', owner: 'a b', members: [] }, code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'more than 100 members', operation: 'createGroup', body: { title: 't', owner: 'a', members: Array.from({ length: 101 }, (_, i) => `m${i}`) }, code: 'TOO_LARGE', reason: 'tooManyMembers' },
      { name: 'no members', operation: 'addGroupMembers', params: { id: 'g:doesnotexist0001' }, body: { members: [] }, code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'a limit that is no number', operation: 'conversationMessages', params: { id: 'dm:a:b' }, query: '?limit=ten', code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'a limit over 100', operation: 'conversationMessages', params: { id: 'dm:a:b' }, query: '?limit=101', code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'before 0', operation: 'conversationMessages', params: { id: 'dm:a:b' }, query: '?before=0', code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'an unknown query parameter', operation: 'conversationMessages', params: { id: 'dm:a:b' }, query: '?after=3', code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'a malformed conversation id', operation: 'conversationMessages', params: { id: 'dm:b:a' }, code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'a bad user id in the path', operation: 'userConversations', params: { id: 'a b' }, code: 'BAD_REQUEST', reason: 'invalidField' },
      { name: 'a body where none is taken', operation: 'disconnectUser', params: { id: 'a' }, body: { now: true }, code: 'BAD_REQUEST', reason: 'invalidFrame' },
    ];
    for (const c of bad) {
      it(`${c.operation}: ${c.name}`, async () => {
        const route = serverApiRoutes[c.operation];
        const path = pathOf(route.path, c.params ?? {}) + (c.query ?? '');
        const response =
          c.raw === undefined
            ? await server.request(route.method, path, c.body)
            : await signedRaw(route.method, path, c.raw);
        const answered = await documented(c.operation, response);
        expect(answered).toMatchObject({ status: 400, body: { error: { code: c.code, reason: c.reason } } });
      });
    }

    /** A body sent as is (not JSON-encoded by the client). */
    const signedRaw = async (method: string, path: string, raw: string): Promise<Response> => {
      const { signedFetcher } = await import('@serverless-im/server-client');
      return signedFetcher({ credentials: LOCAL, region: 'us-east-1' })({ method, url: new URL(`${cloud.httpApi!.url}${path}`), body: raw });
    };

    it('an unknown group is 404 for every group route and history', async () => {
      for (const [operation, params, body] of [
        ['addGroupMembers', { id: 'g:doesnotexist0002' }, { members: ['a'] }],
        ['removeGroupMember', { id: 'g:doesnotexist0002', userId: 'a' }, undefined],
        ['conversationMessages', { id: 'g:doesnotexist0002' }, undefined],
      ] as const) {
        expect(await signed(operation, params, body)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
      }
    });

    it('the typed client throws the refusal with its code and reason', async () => {
      const refused = await server.createGroup({ title: '', owner: 'a', members: [] }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ServerApiError);
      expect(refused).toMatchObject({ status: 400, code: 'BAD_REQUEST', reason: 'invalidField' });
    });
  });
});
