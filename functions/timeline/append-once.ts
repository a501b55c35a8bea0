import { claimDelivery, deliveredSeqOf, moveDeliveryClaim } from '../storage/claims.js';
import type { Storage } from '../storage/storage.js';
import { allocateSeq, findItemAfter, putAtSeq, type TimelineContent, type TimelineRecord, voidSeq } from '../storage/timelines/index.js';

/**
 * Where the seq of an item is remembered between attempts, so that a retry finds it instead of
 * writing the item a second time:
 * - `claim`: a delivery claim binds (user, itemKey) to a seq (membership events, updates: work
 *   that SQS may redeliver, or that runs twice at once);
 * - `bound`: a claim written by the caller for many items at once binds it (a fan-out job's
 *   claim, `fan-out/run-job.ts`); `rebind` moves that claim off a closed seq and answers the seq
 *   the claim holds afterwards (another attempt's, if it moved it first);
 * - `recorded`: the seq was allocated before the content was committed and is recorded with it
 *   (`send` stores both timelines' seqs on the message), so no claim is needed. `recovering` is
 *   true when this attempt finishes one that may already have written the item elsewhere.
 */
export type SeqBinding =
  | { kind: 'claim'; afterAllocate?: () => Promise<void> }
  | { kind: 'bound'; seq: number; rebind: (from: number, to: number) => Promise<number> }
  | { kind: 'recorded'; seq: number; recovering: boolean };

/**
 * Puts `content` into its user's timeline exactly once, however often and however concurrently
 * the same delivery runs, and returns its seq. The item is written at the bound seq; if a reader
 * closed that seq meanwhile (a `void`: its writer was presumed dead), the item moves to a new seq,
 * and the claim with it: of two attempts moving it at once, the one that loses the move closes its
 * new seq and writes where the claim says.
 */
export async function appendOnce(storage: Storage, content: TimelineContent, now: number, binding: SeqBinding): Promise<number> {
  let seq = binding.kind === 'claim' ? await claimSeq(storage, content, now, binding.afterAllocate) : binding.seq;
  for (;;) {
    if ((await putAtSeq(storage, { ...content, seq } as TimelineRecord)) === 'written') return seq;
    if (binding.kind === 'recorded' && binding.recovering) {
      // An earlier attempt may have found the seq closed too and written the item further on.
      const existing = await findItemAfter(storage, content.userId, binding.seq, content.itemKey);
      if (existing !== undefined) return existing;
    }
    const next = await allocateSeq(storage, content.userId, now);
    const bound = binding.kind === 'recorded' ? next : await rebind(storage, content, binding, seq, next);
    if (bound !== next) await voidSeq(storage, content.userId, next, now);
    seq = bound;
  }
}

async function rebind(storage: Storage, content: TimelineContent, binding: Exclude<SeqBinding, { kind: 'recorded' }>, from: number, to: number): Promise<number> {
  if (binding.kind === 'bound') return binding.rebind(from, to);
  if (await moveDeliveryClaim(storage, content.userId, content.itemKey, from, to)) return to;
  return (await deliveredSeqOf(storage, content.userId, content.itemKey)) ?? to;
}

/**
 * Three writes: the seq allocation, a claim binding (user, content) to it, and (by the caller) the
 * item. An attempt that loses the claim closes its own seq at once (a `void`, so readers never wait
 * on it) and uses the winner's seq, which also finishes the winner's work if it died.
 */
async function claimSeq(storage: Storage, content: TimelineContent, now: number, afterAllocate?: () => Promise<void>): Promise<number> {
  const allocated = await allocateSeq(storage, content.userId, now);
  await afterAllocate?.();
  // Claims never expire: a redelivery at any age finds them, and a recall finds a message's copy by its claim.
  const claim = await claimDelivery(storage, content.userId, content.itemKey, allocated);
  if (!claim.mine) await voidSeq(storage, content.userId, allocated, now);
  return claim.seq;
}
