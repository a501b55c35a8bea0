import { GetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { events, HEARTBEAT_FRAME, KEEP_ALIVE_FRAME } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { HandshakeRefused, TestClient } from '../support/ws-client.js';

describe('the local cloud runs the synthesized stack end to end', () => {
  let cloud: LocalCloud;
  let dynamo: DynamoDBClient;

  beforeAll(async () => {
    cloud = await startTestCloud();
    dynamo = new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });
  afterAll(async () => {
    dynamo?.destroy();
    await cloud?.stop();
  });

  it('hands out a dev token over HTTP and answers ping on a connection opened with it', async () => {
    const response = await fetch(`${cloud.httpUrl}/dev/token?user=alice`);
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    const client = await TestClient.connect(cloud.url, { token });
    const before = Date.now();
    const reply = await client.requestWithId('1', { action: 'ping', id: '1' });
    expect(reply).toEqual({ id: '1', ok: true, data: { ts: expect.any(Number) } });
    expect(reply.data.ts).toBeGreaterThanOrEqual(before - 1000);
    await client.close();
  });

  it('answers heartbeat in the gateway itself: the protocol event, no function run, no write', async () => {
    const client = await connectAs(cloud, 'hannah');
    const connectionId = cloud.gateway.connectionIds().at(-1)!;
    const table = cloud.tableName('StorageConnections');
    const record = async () =>
      (await dynamo.send(new GetItemCommand({ TableName: table, Key: { connectionId: { S: connectionId } }, ConsistentRead: true }))).Item;
    const before = await record();
    expect(before?.userId?.S).toBe('hannah');
    // The functions a frame on this connection could reach: the ping route's and $default's.
    const invocations = (): number =>
      Object.entries(cloud.lambda.stats())
        .filter(([name]) => /Ping|Default/.test(name))
        .reduce((sum, [, fn]) => sum + fn.invocations, 0);
    const invokedBefore = invocations();
    for (let i = 0; i < 3; i++) {
      client.events.length = 0;
      client.socket.send(HEARTBEAT_FRAME);
      const frame = await client.waitForEvent('heartbeat');
      expect(events.heartbeat.parse(frame.data).ts).toBeGreaterThan(0);
    }
    // Neither ran, and the record is the $connect's.
    expect(invocations()).toBe(invokedBefore);
    expect(await record()).toEqual(before);
    // The one-way keepAlive: nothing comes back at all (a ping after it is answered first), and
    // nothing ran or changed either.
    client.events.length = 0;
    client.socket.send(KEEP_ALIVE_FRAME);
    client.socket.send(KEEP_ALIVE_FRAME);
    expect((await client.request('ping')).ok).toBe(true);
    expect(client.events).toEqual([]);
    expect(await record()).toEqual(before);
    // The record lasts the connection's life (API Gateway's 2 hours and a margin) without refresh.
    expect(Number(before?.expiresAt?.N)).toBe(Math.floor(Number(before?.connectedAt?.N) / 1000) + 2 * 60 * 60 + 10 * 60);
    await client.close();
  });

  it('refuses a dev token for an invalid user id', async () => {
    const response = await fetch(`${cloud.httpUrl}/dev/token?user=${encodeURIComponent('a b')}`);
    expect(response.status).toBe(400);
  });

  it('refuses a handshake without a token, with a bad token or with a bad device id, with 401', async () => {
    await expect(TestClient.connect(cloud.url, {})).rejects.toEqual(new HandshakeRefused(401));
    await expect(TestClient.connect(cloud.url, { token: 'not-a-jwt' })).rejects.toEqual(new HandshakeRefused(401));
    const token = await cloud.devToken('alice');
    const tampered = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    await expect(TestClient.connect(cloud.url, { token: tampered })).rejects.toEqual(new HandshakeRefused(401));
    const expired = await cloud.devToken('alice', { ttlSeconds: -60 });
    await expect(TestClient.connect(cloud.url, { token: expired })).rejects.toEqual(new HandshakeRefused(401));
    await expect(TestClient.connect(cloud.url, { token, device: 'bad device!' })).rejects.toEqual(new HandshakeRefused(401));
  });

  it('stores the connection with its user and device, and removes it on disconnect', async () => {
    const client = await connectAs(cloud, 'bob', 'phone');
    const ping = await client.request('ping');
    expect(ping.ok).toBe(true);
    const connections = cloud.gateway.connectionIds();
    expect(connections.length).toBeGreaterThan(0);
    const table = cloud.tableName('StorageConnections');
    const records = await Promise.all(
      connections.map((connectionId) => dynamo.send(new GetItemCommand({ TableName: table, Key: { connectionId: { S: connectionId } }, ConsistentRead: true }))),
    );
    const bob = records.map((record) => record.Item).find((item) => item?.userId?.S === 'bob');
    expect(bob?.deviceId?.S).toBe('phone');
    expect(Number(bob?.expiresAt?.N)).toBeGreaterThan(Date.now() / 1000);
    const connectionId = bob!.connectionId!.S!;
    await client.close();
    await expectEventually(async () => {
      const after = await dynamo.send(new GetItemCommand({ TableName: table, Key: { connectionId: { S: connectionId } }, ConsistentRead: true }));
      return after.Item === undefined;
    });
  });

  it('answers frames that name no action, or are not JSON, with BAD_REQUEST and keeps the connection open', async () => {
    const client = await connectAs(cloud, 'carol');
    const unknown = await client.requestWithId('u1', { action: 'fly', id: 'u1' });
    expect(unknown).toMatchObject({ id: 'u1', ok: false, error: { code: 'BAD_REQUEST' } });
    const notJson = await client.sendRaw('this is not json');
    expect(notJson).toMatchObject({ id: null, ok: false, error: { code: 'BAD_REQUEST' } });
    const badPing = await client.requestWithId('p1', { action: 'ping', id: 'p1', extra: true });
    expect(badPing).toMatchObject({ id: 'p1', ok: false, error: { code: 'BAD_REQUEST' } });
    expect((await client.request('ping')).ok).toBe(true);
    await client.close();
  });
});

/** Polls until `check` holds; the bound only guards against a hang. */
const expectEventually = (check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> =>
  expect.poll(check, { timeout: timeoutMs, interval: 100 }).toBe(true);
