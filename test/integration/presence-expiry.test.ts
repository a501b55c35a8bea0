import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { KEEP_ALIVE_FRAME } from '@serverless-im/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';

/**
 * Connection records last the connection's whole life (nothing refreshes them), so a device that
 * vanished without `$disconnect` must still show offline: `presence` asks API Gateway. Here API
 * Gateway's idle timeout is 4 s instead of 10 minutes.
 */
const IDLE_MS = 4_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('presence of a device that vanished without $disconnect', () => {
  let cloud: LocalCloud;
  let dynamo: DynamoDBClient;
  beforeAll(async () => {
    cloud = await startTestCloud({ limits: { idleTimeoutMs: IDLE_MS }, functionEnvironment: { CONNECT_GRACE_MS: '1000' } });
    dynamo = new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });
  afterAll(async () => cloud?.stop());

  const recordOf = async (connectionId: string) =>
    (await dynamo.send(new GetItemCommand({ TableName: cloud.tableName('StorageConnections'), Key: { connectionId: { S: connectionId } }, ConsistentRead: true }))).Item;

  it('turns offline at the next presence once API Gateway no longer has the connection, and removes the record; keepAlives keep a live one online', async () => {
    const watcher = await connectAs(cloud, 'pe-watcher');
    const crashing = await connectAs(cloud, 'pe-crashing');
    const crashingId = cloud.gateway.connectionIds().at(-1)!;
    const quiet = await connectAs(cloud, 'pe-quiet');
    const alive = await connectAs(cloud, 'pe-alive');
    const users = ['pe-crashing', 'pe-quiet', 'pe-alive'];
    // One-way keepAlives, as the SDK sends them, keep `alive` below the idle timeout.
    const keeping = setInterval(() => {
      alive.socket.send(KEEP_ALIVE_FRAME);
      watcher.socket.send(KEEP_ALIVE_FRAME);
    }, IDLE_MS / 4);
    try {
      // `presence` reports only users who share a conversation with the caller.
      for (const user of users) expect((await watcher.request('send', { clientMsgId: `hello-${user}`, to: user, body: { kind: 'text', text: 'hi' } })).ok).toBe(true);
      expect((await watcher.request('presence', { users })).data.users).toMatchObject({ 'pe-crashing': { online: true }, 'pe-quiet': { online: true }, 'pe-alive': { online: true } });

      cloud.gateway.faults.loseDisconnects();
      // A crash: the socket is gone at once, and its $disconnect is lost.
      crashing.socket.terminate();
      // A device that went silent (no frame, no close): API Gateway ends it at the idle timeout,
      // and that $disconnect is lost too.
      await sleep(IDLE_MS * 2);
      expect(await recordOf(crashingId)).toBeDefined();
      const state = (await watcher.request('presence', { users })).data.users;
      expect(state['pe-crashing']).toMatchObject({ online: false });
      expect(state['pe-quiet']).toMatchObject({ online: false });
      expect(state['pe-alive']).toMatchObject({ online: true });
      // The vanished device's record went with the answer.
      expect(await recordOf(crashingId)).toBeUndefined();
      void quiet;
    } finally {
      clearInterval(keeping);
      cloud.gateway.faults.clear();
    }
    await Promise.all([watcher.close(), alive.close()]);
  });

  it('keeps a connection that sends only keepAlives reachable and online for many idle timeouts', async () => {
    const busy = await connectAs(cloud, 'pe-busy');
    const friend = await connectAs(cloud, 'pe-friend');
    const keeping = setInterval(() => {
      busy.socket.send(KEEP_ALIVE_FRAME);
      friend.socket.send(KEEP_ALIVE_FRAME);
    }, IDLE_MS / 4);
    try {
      await sleep(IDLE_MS * 3);
      expect(busy.closeCode).toBeUndefined();
      const sent = await friend.request('send', { clientMsgId: 'to-busy', to: 'pe-busy', body: { kind: 'text', text: 'still there?' } });
      expect(sent.ok, JSON.stringify(sent)).toBe(true);
      await busy.waitForEvent('message', (data) => data.message?.msgId === sent.data.msgId);
      expect((await friend.request('presence', { users: ['pe-busy'] })).data.users['pe-busy'].online).toBe(true);
      // No keepAlive was answered.
      expect(busy.events.filter((frame) => frame.event !== 'message')).toEqual([]);
    } finally {
      clearInterval(keeping);
    }
    await Promise.all([busy.close(), friend.close()]);
  });
});
