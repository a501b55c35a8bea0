import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { watchFrameSizes } from '../../../local-cloud/gateway/frame-size-guard.js';
import { TestResources, waitUntil } from './helpers.js';

const SMALL_FRAMES = { maxFrameBytes: 1024, maxMessageBytes: 4096 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('API Gateway limits', { timeout: 30_000 }, () => {
  const resources = new TestResources();
  afterEach(() => resources.cleanup());

  it('closes with 1003 on a binary frame and fires $disconnect', async () => {
    const { gateway, invoker } = await resources.gateway();
    const client = resources.client(gateway.url);
    await client.opened;
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });

    expect((await client.closed).code).toBe(1003);
    const disconnect = await invoker.waitForEvent('disconnectFn');
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1003);
    expect(invoker.eventsOf('defaultFn')).toEqual([]);
  });

  it('closes with 1009 on a single frame larger than maxFrameBytes', async () => {
    const { gateway, invoker } = await resources.gateway({ limits: SMALL_FRAMES });
    const client = resources.client(gateway.url);
    await client.opened;
    client.send('x'.repeat(2000));

    expect((await client.closed).code).toBe(1009);
    expect((await invoker.waitForEvent('disconnectFn')).requestContext.disconnectStatusCode).toBe(1009);
    expect(invoker.eventsOf('defaultFn')).toEqual([]);
  });

  it('accepts a fragmented message within both limits', async () => {
    const { gateway, invoker } = await resources.gateway({ limits: SMALL_FRAMES });
    const client = resources.client(gateway.url);
    await client.opened;
    const parts = ['a'.repeat(1000), 'b'.repeat(1000), 'c'.repeat(1000)];
    parts.forEach((part, i) => client.ws.send(part, { fin: i === parts.length - 1 }));

    expect((await invoker.waitForEvent('defaultFn')).body).toBe(parts.join(''));
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('closes with 1009 when fragments add up to more than maxMessageBytes', async () => {
    const { gateway, invoker } = await resources.gateway({ limits: SMALL_FRAMES });
    const client = resources.client(gateway.url);
    await client.opened;
    for (let i = 0; i < 5; i++) client.ws.send('z'.repeat(1000), { fin: i === 4 });

    expect((await client.closed).code).toBe(1009);
    expect((await invoker.waitForEvent('disconnectFn')).requestContext.disconnectStatusCode).toBe(1009);
    expect(invoker.eventsOf('defaultFn')).toEqual([]);
  });

  it('delivers outgoing messages in frames no larger than maxFrameBytes', async () => {
    const { gateway, invoker } = await resources.gateway({ limits: SMALL_FRAMES });
    const client = resources.client(gateway.url);
    const oversizedFrames: number[] = [];
    client.ws.once('upgrade', (response: IncomingMessage) => {
      watchFrameSizes(response.socket, SMALL_FRAMES.maxFrameBytes, (size) => oversizedFrames.push(size));
    });
    await client.opened;
    const connectionId = (await invoker.waitForEvent('connectFn')).requestContext.connectionId;
    const payload = 'é'.repeat(1800); // 3600 bytes, split inside a two-byte character
    await resources.managementClient(gateway).send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: payload }));

    expect(await client.nextMessage(0)).toBe(payload);
    expect(oversizedFrames).toEqual([]);
  });

  it('closes an idle connection with 1001 after idleTimeoutMs', async () => {
    const { gateway, invoker } = await resources.gateway({ limits: { idleTimeoutMs: 300 } });
    const client = resources.client(gateway.url);
    await client.opened;

    expect(await client.closed).toEqual({ code: 1001, reason: 'Going away' });
    const disconnect = await invoker.waitForEvent('disconnectFn');
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1001);
    expect(disconnect.requestContext.disconnectReason).toBe('Going away');
    await waitUntil(() => (gateway.connectionCount() === 0 ? true : undefined), 'no connections');
  });

  it('counts messages in either direction as activity', async () => {
    const { gateway, invoker } = await resources.gateway({ limits: { idleTimeoutMs: 1500 } });
    const client = resources.client(gateway.url);
    await client.opened;
    const connectionId = (await invoker.waitForEvent('connectFn')).requestContext.connectionId;
    const management = resources.managementClient(gateway);

    // Each phase lasts longer than the idle timeout, with activity far more often than it.
    for (let i = 0; i < 10; i++) {
      client.send('keepalive');
      await sleep(200);
    }
    for (let i = 0; i < 10; i++) {
      await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'push' }));
      await sleep(200);
    }
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    expect(invoker.eventsOf('disconnectFn')).toEqual([]);

    expect((await client.closed).code).toBe(1001);
  });

  it('closes any connection with 1001 after maxConnectionMs, even an active one', async () => {
    const { gateway, invoker } = await resources.gateway({ limits: { maxConnectionMs: 500 } });
    const client = resources.client(gateway.url);
    await client.opened;
    const keepBusy = setInterval(() => client.ws.readyState === client.ws.OPEN && client.send('busy'), 50);
    try {
      expect((await client.closed).code).toBe(1001);
    } finally {
      clearInterval(keepBusy);
    }
    expect((await invoker.waitForEvent('disconnectFn')).requestContext.disconnectStatusCode).toBe(1001);
  });
});
