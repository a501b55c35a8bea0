import { randomBytes } from 'node:crypto';
import { createDevTokenSigner, type DevTokenSigner } from '../../local-cloud/dev-token.js';
import type { LocalCloud, LocalCloudOptions } from '../../local-cloud/local-cloud.js';
import { startTestCloud } from './test-cloud.js';
import { TestClient } from './ws-client.js';

/**
 * Where the protocol tests run: the local cloud by default, or a deployed stack (AWS, or
 * LocalStack with cdklocal) when IM_WS_URL is set. The same black-box tests run against both;
 * tests that need the local cloud's fault hooks or ledgers check `local`.
 *
 *   IM_WS_URL        wss://{api}.execute-api.{region}.amazonaws.com/{stage}
 *   IM_JWT_SECRET    the stack's HS256 signing secret (Secrets Manager), to mint test tokens
 *   IM_JWT_ISSUER    default serverless-im
 *   IM_JWT_AUDIENCE  default serverless-im
 */
export interface ProtocolTarget {
  readonly url: string;
  token(userId: string, options?: { deviceId?: string; ttlSeconds?: number }): Promise<string>;
  /** The local cloud behind the target; undefined against a deployed stack. */
  readonly local: LocalCloud | undefined;
  stop(): Promise<void>;
}

/** True when the tests are pointed at a deployed stack instead of the local cloud. */
export const deployedTarget = (): boolean => Boolean(process.env.IM_WS_URL);

/** A suffix that keeps user ids of one run apart from every other run's on a shared deployment. */
export const RUN_ID = randomBytes(3).toString('hex');

function remoteTarget(): ProtocolTarget {
  const secret = process.env.IM_JWT_SECRET;
  if (!secret) throw new Error('IM_WS_URL needs IM_JWT_SECRET (the stack signing secret) to mint test tokens');
  const signer: DevTokenSigner = createDevTokenSigner({
    secret,
    issuer: process.env.IM_JWT_ISSUER ?? 'serverless-im',
    audience: process.env.IM_JWT_AUDIENCE ?? 'serverless-im',
  });
  return { url: process.env.IM_WS_URL!, token: (userId, options) => signer.sign(userId, options), local: undefined, stop: async () => undefined };
}

export async function startProtocolTarget(options: LocalCloudOptions = {}): Promise<ProtocolTarget> {
  if (deployedTarget()) return remoteTarget();
  const cloud = await startTestCloud(options);
  return { url: cloud.url, token: (userId, tokenOptions) => cloud.devToken(userId, tokenOptions), local: cloud, stop: () => cloud.stop() };
}

export async function connectTo(target: ProtocolTarget, userId: string, deviceId?: string): Promise<TestClient> {
  const token = await target.token(userId);
  return TestClient.connect(target.url, deviceId ? { token, device: deviceId } : { token });
}
