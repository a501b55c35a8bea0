import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSigningKey, mintToken } from '../../scripts/mint-token.js';
import { TestClient } from '../support/ws-client.js';

/**
 * A smoke test of a deployed stack (HS256 mode): connect two users, ping, send a direct message,
 * see it pushed and synced. Skipped unless IM_WS_URL is set, so `npm test` and CI never reach
 * AWS. Run it with `npm run test:deployed` (docs/deployment.md):
 *
 *   IM_WS_URL=wss://....execute-api.eu-west-1.amazonaws.com/prod \
 *   IM_JWT_SECRET_ARN=arn:aws:secretsmanager:... npm run test:deployed
 *
 * IM_JWT_SECRET can replace IM_JWT_SECRET_ARN; IM_JWT_ISSUER / IM_JWT_AUDIENCE if the stack was
 * deployed with other values. Users are fresh each run (`smoke-<random>`), so it never mixes
 * with real conversations; their few items stay in the tables.
 */
const url = process.env.IM_WS_URL;

describe.skipIf(!url)('deployed stack smoke test', () => {
  const clients: TestClient[] = [];
  const run = randomUUID().slice(0, 8);
  const alice = `smoke-${run}-alice`;
  const bob = `smoke-${run}-bob`;

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
  });

  const connect = async (userId: string, deviceId: string): Promise<TestClient> => {
    const token = await mintToken({
      secret: await loadSigningKey(),
      userId,
      ttlSeconds: 600,
      ...(process.env.IM_JWT_ISSUER ? { issuer: process.env.IM_JWT_ISSUER } : {}),
      ...(process.env.IM_JWT_AUDIENCE ? { audience: process.env.IM_JWT_AUDIENCE } : {}),
    });
    const client = await TestClient.connect(url!, { token, device: deviceId });
    clients.push(client);
    return client;
  };

  it('connects, pings, delivers a direct message and syncs it', async () => {
    const a = await connect(alice, 'smoke');
    const b = await connect(bob, 'smoke');

    const pong = await a.request('ping');
    expect(pong.ok).toBe(true);
    expect(typeof pong.data.ts).toBe('number');

    const sent = await a.request('send', { clientMsgId: `smoke-${run}`, to: bob, body: { kind: 'text', text: 'hello from the smoke test' } });
    expect(sent.ok, JSON.stringify(sent.error)).toBe(true);

    // Bob's timeline has the message, pushed or not: a push may be lost, a sync may not.
    const synced = await b.request('sync', { after: 0 });
    expect(synced.ok).toBe(true);
    expect(JSON.stringify(synced.data.items)).toContain('hello from the smoke test');
  });

  it('refuses a connection without a valid token', async () => {
    await expect(TestClient.connect(url!, { token: 'not-a-jwt' })).rejects.toMatchObject({ status: 401 });
  });
});
