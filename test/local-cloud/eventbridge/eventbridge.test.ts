import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../../local-cloud/eventbridge/event-log.js';
import { type HttpEventsCloud, startHttpEventsCloud } from '../../support/http-events-cloud.js';
import { signedFetch } from '../../support/signed-request.js';

/**
 * Functions publish with the real `@aws-sdk/client-eventbridge`, created as on Lambda
 * (`new EventBridgeClient({})`: the endpoint comes from AWS_ENDPOINT_URL_EVENTBRIDGE, so a function
 * that reaches the local EventBridge at all proves the variable is set); the local EventBridge
 * records what it accepts, shows it at GET /dev/events, and refuses what the function's role may not do.
 */
describe('the local EventBridge', () => {
  let env: HttpEventsCloud;
  let client: EventBridgeClient;
  beforeAll(async () => {
    env = await startHttpEventsCloud();
    // A tool's client (not a function's key: not checked by local IAM).
    client = new EventBridgeClient({ endpoint: env.cloud.eventBridgeEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'tool', secretAccessKey: 'tool' } });
  });
  afterAll(async () => {
    client?.destroy();
    await env?.stop();
  });

  let counter = 0;
  const unique = (name: string) => `${name}-${process.pid}-${++counter}`;

  /** Has the function named by `route` put `entries` (its role decides), and returns its answer. */
  async function publishThrough(route: '/v1/publish' | '/v1/publish-denied', entries: object[]): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await signedFetch(`${env.api}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entries }) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const devEvents = async (query = ''): Promise<RecordedEvent[]> => {
    const response = await fetch(`${env.cloud.httpUrl}/dev/events${query}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    return ((await response.json()) as { events: RecordedEvent[] }).events;
  };

  it('records what a function puts, with EventBridge’s envelope, and shows it at /dev/events oldest first', async () => {
    const source = unique('im.server');
    const published = await publishThrough('/v1/publish', [
      { Source: source, DetailType: 'message.sent', Detail: JSON.stringify({ conversationId: 'c1', seq: 1 }) },
      { Source: source, DetailType: 'group.changed', Detail: JSON.stringify({ groupId: 'g1' }), Resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/Groups'] },
    ]);
    expect(published.status).toBe(200);
    expect(published.body.FailedEntryCount).toBe(0);
    const ids = (published.body.Entries as { EventId: string }[]).map((entry) => entry.EventId);
    await publishThrough('/v1/publish', [{ Source: source, DetailType: 'message.sent', Detail: JSON.stringify({ conversationId: 'c1', seq: 2 }) }]);

    const events = await devEvents(`?source=${encodeURIComponent(source)}`);
    expect(events.map(({ event }) => event.detail)).toEqual([{ conversationId: 'c1', seq: 1 }, { groupId: 'g1' }, { conversationId: 'c1', seq: 2 }]);
    expect(events[0]).toEqual({
      eventBusName: 'chat-events',
      eventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/chat-events',
      receivedAt: expect.any(Number),
      event: {
        version: '0',
        id: ids[0],
        'detail-type': 'message.sent',
        source,
        account: '123456789012',
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        region: 'us-east-1',
        resources: [],
        detail: { conversationId: 'c1', seq: 1 },
      },
    });
    expect(events[1]!.event.resources).toEqual(['arn:aws:dynamodb:us-east-1:123456789012:table/Groups']);
    expect(events[1]!.event.id).toBe(ids[1]);

    // Filters combine; the same log is on the LocalCloud object for tests.
    const sent = await devEvents(`?source=${encodeURIComponent(source)}&detailType=message.sent&eventBusName=chat-events`);
    expect(sent.map(({ event }) => event.detail.seq)).toEqual([1, 2]);
    expect(await devEvents(`?source=${encodeURIComponent(source)}&eventBusName=default`)).toEqual([]);
    expect(env.cloud.events.list({ source }).map(({ event }) => event.id)).toEqual(events.map(({ event }) => event.id));
    expect((await fetch(`${env.cloud.httpUrl}/dev/events`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses PutEvents to a role without events:PutEvents on the bus, as AWS does, and records nothing', async () => {
    const source = unique('im.server');
    const before = env.cloud.iam!.denials.length;
    const refused = await publishThrough('/v1/publish-denied', [{ Source: source, DetailType: 'message.sent', Detail: '{"a":1}' }]);
    // The fixture function answers 502 with the SDK's error when PutEvents throws.
    expect(refused.status).toBe(502);
    expect(refused.body).toEqual({
      name: 'AccessDeniedException',
      message: expect.stringMatching(
        new RegExp(
          `^User: arn:aws:sts::123456789012:assumed-role/[^/]+/${env.functionName('Outsider')} is not authorized to perform: events:PutEvents on resource: arn:aws:events:us-east-1:123456789012:event-bus/chat-events because no identity-based policy allows the events:PutEvents action$`,
        ),
      ),
    });
    expect(env.cloud.iam!.denials.slice(before).map((denial) => [denial.principal.functionName, denial.request.action, denial.request.resource])).toEqual([
      [env.functionName('Outsider'), 'events:PutEvents', 'arn:aws:events:us-east-1:123456789012:event-bus/chat-events'],
    ]);
    expect(await devEvents(`?source=${encodeURIComponent(source)}`)).toEqual([]);
    // The granted role's function is scoped to its bus: the default bus is refused to it too.
    const defaultBus = await publishThrough('/v1/publish', [{ Source: source, DetailType: 'x', Detail: '{}', EventBusName: 'default' }]);
    expect(defaultBus.body.name).toBe('AccessDeniedException');
  });

  it('reports entry-level failures through the real SDK client: FailedEntryCount and an ErrorCode per entry', async () => {
    const source = unique('im.tool');
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: source, DetailType: 'ok', Detail: '{"n":1}', EventBusName: 'chat-events' },
          { Source: source, DetailType: 'bad', Detail: 'not json', EventBusName: 'chat-events' },
          { Source: source, DetailType: 'lost', Detail: '{}', EventBusName: 'no-such-bus' },
          { Source: source, DetailType: 'default bus', Detail: '{"n":2}' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.map((entry) => entry.ErrorCode ?? 'ok')).toEqual(['ok', 'MalformedDetail', 'ResourceNotFoundException', 'ok']);
    expect(result.Entries?.[2]?.ErrorMessage).toBe('Event bus no-such-bus does not exist.');
    const events = await devEvents(`?source=${encodeURIComponent(source)}`);
    expect(events.map(({ eventBusName, event }) => [eventBusName, event['detail-type']])).toEqual([
      ['chat-events', 'ok'],
      ['default', 'default bus'],
    ]);
  });

  it('refuses a request over 256 KB, or of more than 10 entries, as a whole (ValidationException)', async () => {
    const source = unique('im.tool');
    const big = { Source: source, DetailType: 'big', Detail: JSON.stringify({ pad: 'x'.repeat(256 * 1024) }) };
    await expect(client.send(new PutEventsCommand({ Entries: [big] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
      $metadata: { httpStatusCode: 400 },
    });
    const eleven = Array.from({ length: 11 }, () => ({ Source: source, DetailType: 'many', Detail: '{}' }));
    await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({ name: 'ValidationException' });
    expect(await devEvents(`?source=${encodeURIComponent(source)}`)).toEqual([]);
  });
});
