import { connect as netConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeInvoker, TestResources, waitUntil } from './helpers.js';

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('connection lifecycle', { timeout: 30_000 }, () => {
  const resources = new TestResources();
  afterEach(() => resources.cleanup());

  it('reports the client close code and reason in $disconnect (1005 when none)', async () => {
    const { gateway, invoker } = await resources.gateway();
    const withCode = resources.client(gateway.url, { headers: { 'x-client': 'a' } });
    const withoutCode = resources.client(gateway.url, { headers: { 'x-client': 'b' } });
    await Promise.all([withCode.opened, withoutCode.opened]);
    const ids = {
      a: (await invoker.waitForEvent('connectFn', (e) => e.headers['x-client'] === 'a')).requestContext.connectionId,
      b: (await invoker.waitForEvent('connectFn', (e) => e.headers['x-client'] === 'b')).requestContext.connectionId,
    };
    withCode.ws.close(4000, 'bye now');
    withoutCode.ws.close();

    const a = await invoker.waitForEvent('disconnectFn', (e) => e.requestContext.connectionId === ids.a);
    const b = await invoker.waitForEvent('disconnectFn', (e) => e.requestContext.connectionId === ids.b);
    expect([a.requestContext.disconnectStatusCode, a.requestContext.disconnectReason]).toEqual([4000, 'bye now']);
    expect([b.requestContext.disconnectStatusCode, b.requestContext.disconnectReason]).toEqual([1005, '']);
  });

  it('reports 1006 when the client socket dies without a close frame', async () => {
    const { gateway, invoker } = await resources.gateway();
    const client = resources.client(gateway.url);
    await client.opened;
    client.ws.terminate();
    const disconnect = await invoker.waitForEvent('disconnectFn');
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1006);
    expect(disconnect.requestContext.disconnectReason).toBe('');
  });

  it('fires $disconnect exactly once however many ways the connection ends at once', async () => {
    const { gateway, invoker } = await resources.gateway({ limits: { idleTimeoutMs: 200 } });
    const client = resources.client(gateway.url);
    await client.opened;
    const connectionId = (await invoker.waitForEvent('connectFn')).requestContext.connectionId;
    // Client close, management DELETE, idle timeout and stop() all race.
    client.ws.close(1000);
    const deleting = fetch(`${gateway.managementEndpoint}/@connections/${encodeURIComponent(connectionId)}`, { method: 'DELETE' });
    await client.closed;
    await deleting;
    await new Promise((resolve) => setTimeout(resolve, 400));
    await gateway.stop();
    expect(invoker.eventsOf('disconnectFn')).toHaveLength(1);
  });

  it('stop() closes every connection with 1001, fires each $disconnect and waits for them', async () => {
    let finished = 0;
    const invoker = new FakeInvoker({
      disconnectFn: async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        finished++;
      },
    });
    const { gateway } = await resources.gateway({ invoker });
    const clients = [resources.client(gateway.url), resources.client(gateway.url), resources.client(gateway.url)];
    await Promise.all(clients.map((c) => c.opened));
    await waitUntil(() => (gateway.connectionCount() === 3 ? true : undefined), '3 connections');

    await gateway.stop();
    expect(finished).toBe(3);
    expect(gateway.connectionCount()).toBe(0);
    for (const client of clients) expect((await client.closed).code).toBe(1001);
    expect(invoker.eventsOf('disconnectFn').map((e) => e.requestContext.disconnectStatusCode)).toEqual([1001, 1001, 1001]);
    expect(await canConnect('127.0.0.1', gateway.port)).toBe(false);
  });

  it('keeps working when $disconnect fails', async () => {
    const invoker = new FakeInvoker({
      disconnectFn: () => {
        throw new Error('disconnect bug');
      },
    });
    const { gateway } = await resources.gateway({ invoker });
    const first = resources.client(gateway.url);
    await first.opened;
    first.ws.close();
    await invoker.waitForEvent('disconnectFn');
    const second = resources.client(gateway.url);
    await second.opened;
    await waitUntil(() => (gateway.connectionCount() === 1 ? true : undefined), 'one connection');
  });

  it('counts and lists open connections', async () => {
    const { gateway, invoker } = await resources.gateway();
    expect(gateway.connectionCount()).toBe(0);
    expect(gateway.connectionIds()).toEqual([]);
    const a = resources.client(gateway.url, { headers: { 'x-client': 'a' } });
    const b = resources.client(gateway.url, { headers: { 'x-client': 'b' } });
    await Promise.all([a.opened, b.opened]);
    await waitUntil(() => (gateway.connectionCount() === 2 ? true : undefined), 'two connections');
    const idOf = async (name: string) => (await invoker.waitForEvent('connectFn', (e) => e.headers['x-client'] === name)).requestContext.connectionId;
    const [idA, idB] = [await idOf('a'), await idOf('b')];
    expect(gateway.connectionIds().sort()).toEqual([idA, idB].sort());
    a.ws.close();
    await waitUntil(() => (gateway.connectionCount() === 1 ? true : undefined), 'one connection');
    expect(gateway.connectionIds()).toEqual([idB]);
  });

  it('listens on 127.0.0.1 only', async () => {
    const { gateway } = await resources.gateway();
    expect(gateway.url).toBe(`ws://127.0.0.1:${gateway.port}`);
    expect(gateway.managementEndpoint).toBe(`http://127.0.0.1:${gateway.port}/local`);
    expect(await canConnect('127.0.0.1', gateway.port)).toBe(true);
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address !== undefined && !address.internal)
      .map((address) => address!.address);
    for (const address of external) expect(await canConnect(address, gateway.port), address).toBe(false);
  });
});

describe('other HTTP requests', { timeout: 30_000 }, () => {
  const resources = new TestResources();
  afterEach(() => resources.cleanup());

  it('go to httpHandler first; 404 when it declines', async () => {
    const seen: string[] = [];
    const { gateway } = await resources.gateway({
      httpHandler: (request, response) => {
        seen.push(request.url ?? '');
        if (!request.url?.startsWith('/dev/token')) return false;
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end('{"token":"t"}');
        return true;
      },
    });
    const base = `http://127.0.0.1:${gateway.port}`;
    const token = await fetch(`${base}/dev/token?user=alice`);
    expect(token.status).toBe(200);
    expect(await token.json()).toEqual({ token: 't' });
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    // Management API requests never reach the handler.
    expect((await fetch(`${base}/local/@connections/AAAAAAAAAAAAAAA%3D`)).status).toBe(410);
    expect(seen).toEqual(['/dev/token?user=alice', '/elsewhere']);
  });

  it('answers 404 without an httpHandler, and 500 when the handler throws', async () => {
    const plain = await resources.gateway();
    expect((await fetch(`http://127.0.0.1:${plain.gateway.port}/x`)).status).toBe(404);
    const failing = await resources.gateway({
      httpHandler: () => {
        throw new Error('handler bug');
      },
    });
    expect((await fetch(`http://127.0.0.1:${failing.gateway.port}/x`)).status).toBe(500);
  });
});
