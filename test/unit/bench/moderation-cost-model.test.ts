import { describe, expect, it } from 'vitest';
import { DEFAULT_MODERATION_ASSUMPTIONS, moderationDollarsPerMessage } from '../../../bench/moderation-cost-model.js';
import { PRICES } from '../../../bench/prices.js';

describe('moderation hook cost model', () => {
  it('is one Lambda request plus the function’s and the waiting send function’s GB-seconds', () => {
    const d = moderationDollarsPerMessage({ functionMemoryMb: 1024, functionDurationMs: 1000, invokeOverheadMs: 0, sendMemoryMb: 512 });
    expect(d.invocation).toBeCloseTo(PRICES.aws.lambda.perMillionRequests / 1e6, 12);
    expect(d.functionCompute).toBeCloseTo(PRICES.aws.lambda.perGbSecondArm64, 12);
    expect(d.sendWait).toBeCloseTo(PRICES.aws.lambda.perGbSecondArm64 / 2, 12);
    expect(d.total).toBeCloseTo(d.invocation + d.functionCompute + d.sendWait, 12);
  });

  it('with the defaults, the invocation request is most of it (well under a dollar per million)', () => {
    const d = moderationDollarsPerMessage(DEFAULT_MODERATION_ASSUMPTIONS);
    expect(d.invocation).toBeGreaterThan(d.functionCompute + d.sendWait);
    expect(d.total * 1e6).toBeLessThan(1);
  });
});

describe('moderation hook in the bench report', () => {
  it('prints the parts, the total added and the direct message for comparison, per million', async () => {
    const { moderationMarkdown } = await import('../../../bench/report/markdown.js');
    const text = moderationMarkdown(0.000002).join('\n');
    expect(text).toContain('### Moderation hook');
    expect(text).toContain('Total added');
    expect(text).toMatch(/A direct message without the hook, for comparison \| \$2\.00/);
  });
});
