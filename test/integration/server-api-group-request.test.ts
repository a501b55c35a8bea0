import { ServerApiError, ServerClient } from '@serverless-im/server-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';

/**
 * `POST /v1/groups` with `clientRequestId` (issue 16): one group per (owner, clientRequestId),
 * whether the request comes twice at once or is retried after a crash between its claim and the
 * group. Checked as users see it: their conversation lists and timelines.
 */

const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };
let counter = 0;
const unique = (name: string) => `${name}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

describe('POST /v1/groups is idempotent per clientRequestId', () => {
  let cloud: LocalCloud;
  let server: ServerClient;
  const clients: TestClient[] = [];
  const groupsOf = async (userId: string): Promise<string[]> =>
    (await server.userConversations(userId)).items.filter((item: { conversationId: string }) => item.conversationId.startsWith('g:')).map((item: { conversationId: string }) => item.conversationId);
  const groupCreatedItems = async (userId: string): Promise<number> => {
    const client = await connectAs(cloud, userId);
    clients.push(client);
    return (await syncAll(client)).filter((item) => item.type === 'system' && item.system?.event === 'groupCreated').length;
  };

  beforeAll(async () => {
    cloud = await startTestCloud();
    server = new ServerClient({ url: cloud.httpApi!.url, credentials: LOCAL, region: 'us-east-1' });
  });
  afterEach(() => cloud.lambda.faults.clear());
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cloud?.stop();
  });

  it('the same request twice at once creates one group and both answer it', async () => {
    const owner = unique('owner');
    const member = unique('member');
    const request = { title: 'Order 42', owner, members: [member], clientRequestId: 'order-42' };
    const [first, second] = await Promise.all([server.createGroup(request), server.createGroup(request)]);
    expect(second.conversationId).toBe(first.conversationId);
    const again = await server.createGroup(request);
    expect(again.conversationId).toBe(first.conversationId);
    await waitForQueuesIdle(cloud);
    expect(await groupsOf(owner)).toEqual([first.conversationId]);
    expect(await groupsOf(member)).toEqual([first.conversationId]);
    expect(await groupCreatedItems(member)).toBe(1);
    expect(await groupCreatedItems(owner)).toBe(1);
    // Another clientRequestId (or none) is another group.
    const other = await server.createGroup({ ...request, clientRequestId: 'order-43' });
    expect(other.conversationId).not.toBe(first.conversationId);
  });

  it('a retry after a crash between the claim and the group completes the same group, once', async () => {
    const owner = unique('owner');
    const members = [unique('m1'), unique('m2')];
    const request = { title: 'Crashy', owner, members, clientRequestId: 'crash-1' };
    cloud.lambda.faults.inject({ functionName: 'CreateGroupHandler', step: 'createGroup:claimed', action: 'crash', times: 1 });
    const failed = await server.createGroup(request).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(ServerApiError);
    expect((failed as ServerApiError).status).toBeGreaterThanOrEqual(500);
    expect(await groupsOf(owner)).toEqual([]);

    const retried = await server.createGroup(request);
    await waitForQueuesIdle(cloud);
    expect(await groupsOf(owner)).toEqual([retried.conversationId]);
    for (const member of members) expect(await groupsOf(member)).toEqual([retried.conversationId]);
    expect(await groupCreatedItems(members[0]!)).toBe(1);
    expect((await server.createGroup(request)).conversationId).toBe(retried.conversationId);
  });

  it('refuses a bad clientRequestId (400)', async () => {
    await expect(server.createGroup({ title: 't', owner: unique('o'), members: [], clientRequestId: 'has#hash' })).rejects.toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    await expect(server.createGroup({ title: 't', owner: unique('o'), members: [], clientRequestId: '' })).rejects.toMatchObject({ status: 400 });
    await expect(server.createGroup({ title: 't', owner: unique('o'), members: [], clientRequestId: 'x'.repeat(65) })).rejects.toMatchObject({ status: 400 });
  });
});
