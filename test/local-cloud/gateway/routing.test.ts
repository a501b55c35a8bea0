import { afterEach, describe, expect, it } from 'vitest';
import { FakeInvoker, STANDARD_ROUTES, TestResources, waitUntil } from './helpers.js';

const ERROR_FRAME = /^\{"message": "(Forbidden|Internal server error)", "connectionId":"([A-Za-z0-9_-]{15}=)", "requestId":"([A-Za-z0-9_-]{15}=)"\}$/;

describe('route selection on $request.body.action', () => {
  const resources = new TestResources();
  afterEach(() => resources.cleanup());

  it('sends a frame naming a route to that route, anything else to $default', async () => {
    const { gateway, invoker } = await resources.gateway();
    const client = resources.client(gateway.url);
    await client.opened;
    const frames = [
      '{"action":"echo","id":"1"}',
      'not json',
      '{"action":"nope"}',
      '{"id":"2"}',
      '{"action":42}',
      '["echo"]',
      '{"action":"$disconnect"}',
      '"echo"',
    ];
    for (const frame of frames) client.send(frame);
    await waitUntil(() => (invoker.calls.length === 1 + frames.length ? true : undefined), 'all routes invoked');

    expect(invoker.eventsOf('echoFn').map((e) => e.body)).toEqual([frames[0]]);
    expect(invoker.eventsOf('defaultFn').map((e) => e.body).sort()).toEqual(frames.slice(1).sort());
    expect(invoker.eventsOf('echoFn')[0].requestContext.routeKey).toBe('echo');
    expect(invoker.eventsOf('defaultFn')[0].requestContext.routeKey).toBe('$default');
  });

  it('reads a nested field when the expression names one', async () => {
    const { gateway, invoker } = await resources.gateway({ routeSelectionExpression: '$request.body.meta.kind' });
    const client = resources.client(gateway.url);
    await client.opened;
    client.send('{"meta":{"kind":"echo"}}');
    await invoker.waitForEvent('echoFn');
  });

  it("answers AWS's Forbidden frame when nothing matches and there is no $default", async () => {
    const routes = STANDARD_ROUTES.filter((r) => r.routeKey !== '$default');
    const { gateway, invoker } = await resources.gateway({ routes });
    const client = resources.client(gateway.url);
    await client.opened;
    client.send('{"action":"unknown"}');

    const frame = await client.nextMessage(0);
    const connectionId = (await invoker.waitForEvent('connectFn')).requestContext.connectionId;
    const match = ERROR_FRAME.exec(frame);
    expect(match?.[1]).toBe('Forbidden');
    expect(match?.[2]).toBe(connectionId);
    expect(invoker.calls.map((c) => c.functionName)).toEqual(['connectFn']);
    // The connection stays open.
    client.send('{"action":"echo"}');
    await invoker.waitForEvent('echoFn');
  });

  it('rejects expressions other than $request.body.<field> at start', async () => {
    await expect(resources.gateway({ routeSelectionExpression: '${request.body.action}' })).rejects.toThrow(/route selection expression/);
  });
});

describe('route responses', () => {
  const resources = new TestResources();
  afterEach(() => resources.cleanup());

  it('sends back the body of a two-way route, a bare string result, and nothing for no result', async () => {
    const invoker = new FakeInvoker({
      echoFn: (event) => ({ statusCode: 200, body: `echo:${event.body}` }),
      defaultFn: (event) => (event.body === 'string' ? 'plain string' : undefined),
      oneWayFn: () => ({ statusCode: 200, body: 'never sent' }),
    });
    const { gateway } = await resources.gateway({ invoker });
    const client = resources.client(gateway.url);
    await client.opened;

    client.send('{"action":"oneWay"}');
    await invoker.waitForEvent('oneWayFn');
    client.send('nothing');
    await invoker.waitForEvent('defaultFn');
    client.send('{"action":"echo"}');
    expect(await client.nextMessage(0)).toBe('echo:{"action":"echo"}');
    client.send('string');
    expect(await client.nextMessage(1)).toBe('plain string');
    expect(client.messages).toEqual(['echo:{"action":"echo"}', 'plain string']);
  });

  it('sends AWS\'s "Internal server error" frame when the route function fails', async () => {
    const invoker = new FakeInvoker({
      echoFn: () => {
        throw new Error('bug');
      },
      oneWayFn: () => {
        throw new Error('bug');
      },
    });
    const { gateway } = await resources.gateway({ invoker });
    const client = resources.client(gateway.url);
    await client.opened;
    client.send('{"action":"echo"}');
    client.send('{"action":"oneWay"}');
    await client.nextMessage(1);

    const requestIds = [...invoker.eventsOf('echoFn'), ...invoker.eventsOf('oneWayFn')].map((e) => e.requestContext.requestId).sort();
    const connectionId = (await invoker.waitForEvent('connectFn')).requestContext.connectionId;
    const frames = client.messages.map((m) => ERROR_FRAME.exec(m));
    expect(frames.map((f) => f?.[1])).toEqual(['Internal server error', 'Internal server error']);
    expect(frames.map((f) => f?.[2])).toEqual([connectionId, connectionId]);
    expect(frames.map((f) => f?.[3]).sort()).toEqual(requestIds);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it("processes one connection's messages concurrently, as AWS does", async () => {
    let releaseFirst: () => void = () => {};
    const firstMayFinish = new Promise<void>((resolve) => (releaseFirst = resolve));
    const invoker = new FakeInvoker({
      echoFn: async (event) => {
        const { n } = JSON.parse(event.body) as { n: number };
        if (n === 1) await firstMayFinish;
        else releaseFirst();
        return { statusCode: 200, body: `done ${n}` };
      },
    });
    const { gateway } = await resources.gateway({ invoker });
    const client = resources.client(gateway.url);
    await client.opened;
    client.send('{"action":"echo","n":1}');
    await invoker.waitForEvent('echoFn');
    client.send('{"action":"echo","n":2}');
    // Message 1 only completes because message 2 ran while it was still in flight.
    await client.nextMessage(1);
    expect(client.messages).toEqual(['done 2', 'done 1']);
  });
});
