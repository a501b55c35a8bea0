import { ServerClient } from '@serverless-im/server-client';
import type { BenchCloud, Delta } from '../support.js';
import { closeAll, sleep } from '../support.js';
import { averageCost, type OperationCost } from './measure.js';

/** What one call of a server API route costs, everything it causes included (pushes, fan-out, stream consumers). */
export interface ServerApiCost {
  route: string;
  /** What the measured call did. */
  setting: string;
  cost: OperationCost;
}

/** The local cloud's SigV4 identity (docs/local-cloud.md). */
const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };
let seq = 0;
const unique = (name: string) => `${name}-${process.pid}-${++seq}`;

/**
 * Each route called `samples` times by a signed client, isolated by idle queues before and after:
 * a bot's direct message to an online user, a 10-member group created, one member added to it and
 * removed again, a page of 50 messages read, a user's conversation list, and a disconnect of a
 * user with one open connection.
 */
export async function measureServerApiCosts(bench: BenchCloud, samples = 3): Promise<ServerApiCost[]> {
  const url = bench.cloud.httpApi?.url;
  if (!url) throw new Error('the template has no server API');
  const server = new ServerClient({ url, credentials: LOCAL, region: 'us-east-1' });
  const prefix = `sapi${process.pid}`;
  const bot = `${prefix}-bot`;
  const user = `${prefix}-user`;
  const device = await bench.connect(user);
  const members = [...Array(9).keys()].map((index) => `${prefix}-m${index}`);
  const results: ServerApiCost[] = [];
  const measure = async (route: string, setting: string, call: (sample: number) => Promise<unknown>, prepare: (sample: number) => Promise<void> = async () => {}) => {
    const deltas: Delta[] = [];
    for (let sample = 0; sample < samples; sample++) {
      await prepare(sample);
      await bench.idle(600_000);
      await sleep(200);
      const before = bench.snapshot();
      await call(sample);
      await bench.idle(600_000);
      await sleep(200);
      deltas.push(bench.since(before));
    }
    results.push({ route, setting, cost: averageCost(`${route} (${setting})`, bench, deltas) });
  };
  const opened = [device];
  try {
    await measure('POST /v1/messages', 'a bot to an online user (direct)', (i) => server.sendMessage({ from: bot, to: user, clientMsgId: unique('bot'), body: { kind: 'text', text: `from the bot ${i}` } }));
    const groups: string[] = [];
    await measure('POST /v1/groups', '10 members', async () => groups.push((await server.createGroup({ title: 'support', owner: bot, members })).conversationId));
    const group = groups[0]!;
    const newcomers = [...Array(samples).keys()].map((index) => `${prefix}-new${index}`);
    await measure('POST /v1/groups/{id}/members', 'one member into a group of 10', (i) => server.addGroupMembers(group, [newcomers[i]!]));
    await measure('DELETE /v1/groups/{id}/members/{userId}', 'one member of a group of 11', (i) => server.removeGroupMember(group, newcomers[i]!));
    for (let i = 0; i < 50; i++) await server.sendMessage({ from: bot, conversationId: group, clientMsgId: unique('fill'), body: { kind: 'text', text: `message ${i}` } });
    await measure('GET /v1/conversations/{id}/messages', 'a page of 50', () => server.conversationMessages(group, { limit: 50 }));
    await measure('GET /v1/users/{id}/conversations', 'a user in 2 conversations', () => server.userConversations(bot));
    await measure(
      'POST /v1/users/{id}/disconnect',
      'a user with one open connection',
      () => server.disconnectUser(user),
      async () => {
        opened.push(await bench.connect(user));
      },
    );
  } finally {
    await closeAll(opened);
  }
  return results;
}
