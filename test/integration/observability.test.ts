import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';

const jsonLines = (cloud: LocalCloud, functionPrefix: string): Record<string, any>[] =>
  cloud.logs
    .filter((entry) => entry.functionName.includes(functionPrefix))
    .flatMap((entry) => {
      try {
        return [JSON.parse(entry.line) as Record<string, any>];
      } catch {
        return [];
      }
    });

describe('observability', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => cloud?.stop());

  it('logs structured JSON with the request id and user id, and emits metrics in CloudWatch EMF', async () => {
    const alice = await connectAs(cloud, 'obs-alice');
    const reply = await alice.request('send', { clientMsgId: 'o1', to: 'obs-bob', body: { kind: 'text', text: 'traced' } });
    expect(reply.ok).toBe(true);
    await alice.close();
    const isEmfWith = (line: Record<string, any>, name: string) =>
      line._aws?.CloudWatchMetrics?.[0]?.Metrics?.some((metric: any) => metric.Name === name) === true;
    // A worker's stdout reaches the parent asynchronously: wait for the lines, not for a time.
    await expect.poll(() => jsonLines(cloud, 'ActionsSendHandler').some((line) => isEmfWith(line, 'MessagesSent')), { timeout: 20_000, interval: 50 }).toBe(true);
    const lines = jsonLines(cloud, 'ActionsSendHandler');
    const sent = lines.find((line) => line.message === 'message sent' && line.msgId === reply.data.msgId);
    expect(sent).toMatchObject({ level: 'INFO', userId: 'obs-alice', function_request_id: expect.any(String), service: 'serverless-im' });
    const emf = lines.find((line) => isEmfWith(line, 'MessagesSent'));
    expect(emf).toMatchObject({ MessagesSent: 1, _aws: { CloudWatchMetrics: [{ Namespace: 'ServerlessIm' }] } });
    expect(lines.some((line) => isEmfWith(line, 'PushesDelivered'))).toBe(false);
  });
});
