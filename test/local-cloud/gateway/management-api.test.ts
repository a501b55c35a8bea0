import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClient,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeInvoker, TestResources, waitUntil } from './helpers.js';

interface SdkError {
  name: string;
  $metadata: { httpStatusCode?: number; requestId?: string };
}

async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the SDK call to fail');
}

describe('@connections management API through the real AWS SDK', { timeout: 30_000 }, () => {
  const resources = new TestResources();
  afterEach(() => resources.cleanup());

  async function connected(options: { userAgent?: string } = {}) {
    const { gateway, invoker } = await resources.gateway();
    const client = resources.client(gateway.url, options.userAgent === undefined ? {} : { headers: { 'User-Agent': options.userAgent } });
    await client.opened;
    const connect = await invoker.waitForEvent('connectFn');
    const connectionId: string = connect.requestContext.connectionId;
    return { gateway, invoker, client, connect, connectionId, management: resources.managementClient(gateway) };
  }

  it('PostToConnection delivers the data as a text frame', async () => {
    const { client, connectionId, management } = await connected();
    const output = await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"event":"message"}' }));
    expect(output.$metadata.httpStatusCode).toBe(200);
    await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode('second') }));
    expect(await client.nextMessage(1)).toBe('second');
    expect(client.messages).toEqual(['{"event":"message"}', 'second']);
  });

  it('answers GoneException (410) for an unknown connection id', async () => {
    const { management } = await connected();
    for (const command of [
      new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' }),
      new GetConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' }),
      new DeleteConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' }),
    ]) {
      const error = await sdkError(management.send(command as never));
      expect(error).toBeInstanceOf(GoneException);
      expect(error.name).toBe('GoneException');
      expect(error.$metadata.httpStatusCode).toBe(410);
      expect(error.$metadata.requestId).toBeTruthy();
    }
  });

  it('GetConnection returns connectedAt, identity and lastActiveAt', async () => {
    const { client, connect, connectionId, management, invoker } = await connected({ userAgent: 'test-agent/1.0' });
    const first = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(first.ConnectedAt?.getTime()).toBe(connect.requestContext.connectedAt);
    expect(first.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'test-agent/1.0' });
    expect(first.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(connect.requestContext.connectedAt);

    // Lets the clock move on, so the activity is visible in millisecond timestamps.
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.send('activity');
    await invoker.waitForEvent('defaultFn');
    const second = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(second.ConnectedAt?.getTime()).toBe(connect.requestContext.connectedAt);
    expect(second.LastActiveAt?.getTime()).toBeGreaterThan(first.LastActiveAt?.getTime() ?? Infinity);
  });

  it('GetConnection leaves out UserAgent when the client sent none', async () => {
    const { connectionId, management } = await connected();
    const output = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(output.Identity).toEqual({ SourceIp: '127.0.0.1' });
  });

  it('DeleteConnection closes the socket, fires $disconnect and forgets the id', async () => {
    const { gateway, client, connectionId, management, invoker } = await connected();
    const output = await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    expect(output.$metadata.httpStatusCode).toBe(204);

    expect((await client.closed).code).toBe(1000);
    const disconnect = await invoker.waitForEvent('disconnectFn');
    expect(disconnect.requestContext.connectionId).toBe(connectionId);
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1000);
    const error = await sdkError(management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'late' })));
    expect(error.name).toBe('GoneException');
    expect(gateway.connectionCount()).toBe(0);
  });

  it('answers PayloadTooLargeException (413) above 128 KB', async () => {
    const { client, connectionId, management } = await connected();
    const error = await sdkError(management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'x'.repeat(128 * 1024 + 1) })));
    expect(error.name).toBe('PayloadTooLargeException');
    expect(error.$metadata.httpStatusCode).toBe(413);

    const exactly = 'y'.repeat(128 * 1024);
    await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: exactly }));
    expect(await client.nextMessage(0)).toBe(exactly);
  });

  it('also serves /@connections without the stage in the path', async () => {
    const { gateway, client, connectionId } = await connected();
    const management = resources.managementClient(gateway, `http://127.0.0.1:${gateway.port}`);
    await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'no stage' }));
    expect(await client.nextMessage(0)).toBe('no stage');
  });

  it('refuses pushes from $connect and $disconnect to their own connection with 410, as AWS does', async () => {
    const invoker = new FakeInvoker();
    const { gateway } = await resources.gateway({ invoker });
    const management: ApiGatewayManagementApiClient = resources.managementClient(gateway);
    const outcomes: Record<string, string> = {};
    const push = (route: string) => async (event: { requestContext: { connectionId: string } }) => {
      const error = await sdkError(management.send(new PostToConnectionCommand({ ConnectionId: event.requestContext.connectionId, Data: 'hi' })));
      outcomes[route] = error.name;
      return { statusCode: 200 };
    };
    invoker.on('connectFn', push('$connect')).on('disconnectFn', push('$disconnect'));

    const client = resources.client(gateway.url);
    await client.opened;
    client.ws.close();
    await waitUntil(() => outcomes.$disconnect, '$disconnect to run');
    expect(outcomes).toEqual({ $connect: 'GoneException', $disconnect: 'GoneException' });
  });
});

describe('test-only fault injection', { timeout: 30_000 }, () => {
  const resources = new TestResources();
  afterEach(() => resources.cleanup());

  async function namedClient(name: string, gateway: { url: string }, invoker: FakeInvoker) {
    const client = resources.client(gateway.url, { headers: { 'x-client': name } });
    await client.opened;
    const connect = await invoker.waitForEvent('connectFn', (e) => e.headers['x-client'] === name);
    return { client, connectionId: connect.requestContext.connectionId as string };
  }

  it('dropPushesTo: POST answers 200 but the client receives nothing (half-dead connection)', async () => {
    const { gateway, invoker } = await resources.gateway();
    const dead = await namedClient('dead', gateway, invoker);
    const alive = await namedClient('alive', gateway, invoker);
    const management = resources.managementClient(gateway);
    gateway.faults.dropPushesTo(dead.connectionId);

    const output = await management.send(new PostToConnectionCommand({ ConnectionId: dead.connectionId, Data: 'lost' }));
    expect(output.$metadata.httpStatusCode).toBe(200);
    await management.send(new PostToConnectionCommand({ ConnectionId: alive.connectionId, Data: 'delivered' }));
    expect(await alive.client.nextMessage(0)).toBe('delivered');
    expect(dead.client.messages).toEqual([]);
    // The half-dead connection still looks alive to GetConnection.
    await management.send(new GetConnectionCommand({ ConnectionId: dead.connectionId }));

    gateway.faults.clear();
    await management.send(new PostToConnectionCommand({ ConnectionId: dead.connectionId, Data: 'revived' }));
    expect(await dead.client.nextMessage(0)).toBe('revived');
  });

  it('failNextPosts: the next POSTs fail with the given status, then delivery resumes', async () => {
    const { gateway, invoker } = await resources.gateway();
    const { client, connectionId } = await namedClient('c', gateway, invoker);
    const management = resources.managementClient(gateway);
    gateway.faults.failNextPosts(429, 2);
    gateway.faults.failNextPosts(500);

    const post = () => management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'p' }));
    for (let i = 0; i < 2; i++) {
      const throttled = await sdkError(post());
      expect(throttled.name).toBe('LimitExceededException');
      expect(throttled.$metadata.httpStatusCode).toBe(429);
    }
    expect((await sdkError(post())).$metadata.httpStatusCode).toBe(500);
    await post();
    expect(await client.nextMessage(0)).toBe('p');
    expect(client.messages).toEqual(['p']);
  });

  it('lets the SDK retry injected throttling on its own', async () => {
    const { gateway, invoker } = await resources.gateway();
    const { client, connectionId } = await namedClient('c', gateway, invoker);
    gateway.faults.failNextPosts(429, 1);
    const retrying = resources.managementClient(gateway, gateway.managementEndpoint, 3);
    await retrying.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'after retry' }));
    expect(await client.nextMessage(0)).toBe('after retry');
  });
});
