import fc from 'fast-check';
import { marshall } from '@aws-sdk/util-dynamodb';
import { bodySchema, sendRequest } from '@serverless-im/protocol';
import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { schemaRefusal } from '../../../functions/runtime/frames.js';

/**
 * The custom-payload schema accepts exactly what the DynamoDB document client can marshal (the
 * storage format of every message copy), so a send never fails after its seqs were allocated.
 */
describe('custom payloads the schema accepts', () => {
  const custom = (payload: unknown) => ({ kind: 'custom', type: 'probe', payload });
  const sendOf = (payload: unknown) => ({ action: 'send', id: 'r1', clientMsgId: 'c1', to: 'bob', body: custom(payload) });

  it('are all storable: whatever JSON the schema accepts, the marshaller takes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 20 }), (payload) => {
        const parsed = bodySchema.safeParse(custom(payload));
        if (parsed.success) expect(() => marshall({ message: { body: parsed.data } }, { removeUndefinedValues: true })).not.toThrow();
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuse numbers the marshaller refuses, and too deep nesting, as BAD_REQUEST; an oversized payload stays TOO_LARGE', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 17; level++) deep = [deep];
    for (const payload of [{ n: 2 ** 53 }, { n: 5e-324 }, [1e-131], deep]) {
      const parsed = z.safeParse(sendRequest, sendOf(payload));
      expect(parsed.success, JSON.stringify(payload)).toBe(false);
      if (!parsed.success) expect(schemaRefusal(parsed.error).code).toBe('BAD_REQUEST');
    }
    const big = z.safeParse(sendRequest, sendOf({ s: 'x'.repeat(17 * 1024) }));
    expect(big.success).toBe(false);
    if (!big.success) expect(schemaRefusal(big.error).code).toBe('TOO_LARGE');
  });

  it('keep the storable extremes', () => {
    let deep: unknown = 1;
    // 16 levels of arrays: the most a payload may nest.
    for (let level = 0; level < 16; level++) deep = [deep];
    for (const payload of [{ n: Number.MAX_SAFE_INTEGER }, { n: 1e-130 }, { n: -0.5 }, deep, { '': 'empty key' }]) {
      expect(bodySchema.safeParse(custom(payload)).success, JSON.stringify(payload)).toBe(true);
    }
  });
});
