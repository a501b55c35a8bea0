import type { Message } from '@serverless-im/protocol';
import { msgIdOfUpdateKey } from '../storage/timelines/index.js';
import { largeGroupJobEnvelope, largeGroupWithdrawJobEnvelope, mentionsOf, type NotificationEnvelope, userJobEnvelope, withdrawJobEnvelope } from './jobs.js';

/**
 * The notification jobs one committed item calls for, from its stream image:
 * - a timeline item of type `message` (Timelines: `userId` + `seq`) in someone else's name: one
 *   job for that user (direct messages and write fan-out groups);
 * - a timeline item of type `update` that announces a recall: one job that replaces the
 *   message's notification on that user's devices (the recaller's own item included: their other
 *   devices were never notified of their own message, so the job finds nothing to replace);
 * - a large-group message (Conversations: `conversationId` + `cseq`, `fanOut: read`): one job that
 *   expands to its mentioned members (or every member, by setting);
 * - a large-group message modified by its recall (`withdrawPending`): one job that expands to the
 *   withdraw jobs of the members it may have notified.
 * Anything else (the sender's own item, system items, heads, other modifications) calls for nothing.
 */
export function jobsOfImage(image: Record<string, unknown>, largeGroups: 'mentions' | 'all', eventName: 'INSERT' | 'MODIFY' = 'INSERT'): NotificationEnvelope[] {
  if (eventName === 'MODIFY') return image.withdrawPending === true ? largeGroupWithdrawJobsOf(image) : [];
  if (typeof image.userId === 'string' && typeof image.seq === 'number') {
    if (image.type === 'update' && image.recalled === true && image.seq >= 1) return withdrawJobsOf(image.userId, image);
    if (image.type !== 'message' || image.seq < 1) return [];
    const message = image.message as Message | undefined;
    const ref = image.ref as { conversationId: string; cseq: number } | undefined;
    const conversationId = message?.conversationId ?? ref?.conversationId;
    const conversationSeq = message?.conversationSeq ?? ref?.cseq;
    if (conversationId === undefined || conversationSeq === undefined) return [];
    if (message && message.from === image.userId) return [];
    return [
      userJobEnvelope({
        kind: 'user',
        userId: image.userId,
        conversationId,
        conversationSeq: Number(conversationSeq),
        msgId: String(image.itemKey),
        seq: image.seq,
        ...(message ? { message } : {}),
      }),
    ];
  }
  if (typeof image.conversationId === 'string' && typeof image.cseq === 'number') {
    if (image.cseq < 1 || image.fanOut !== 'read') return [];
    const mentions = mentionsOf(image);
    if (largeGroups === 'mentions' && mentions.length === 0) return [];
    return [
      largeGroupJobEnvelope({
        kind: 'largeGroup',
        conversationId: image.conversationId,
        conversationSeq: image.cseq,
        msgId: String(image.msgId),
        from: String(image.from),
        mentions,
      }),
    ];
  }
  return [];
}

function withdrawJobsOf(userId: string, image: Record<string, unknown>): NotificationEnvelope[] {
  const ref = image.ref as { conversationId?: unknown; cseq?: unknown } | undefined;
  const msgId = typeof image.itemKey === 'string' ? msgIdOfUpdateKey(image.itemKey) : undefined;
  if (!msgId || typeof ref?.conversationId !== 'string' || typeof ref.cseq !== 'number') return [];
  return [withdrawJobEnvelope({ kind: 'withdraw', userId, conversationId: ref.conversationId, conversationSeq: ref.cseq, msgId })];
}

function largeGroupWithdrawJobsOf(image: Record<string, unknown>): NotificationEnvelope[] {
  if (typeof image.conversationId !== 'string' || typeof image.cseq !== 'number' || image.cseq < 1 || typeof image.msgId !== 'string') return [];
  return [
    largeGroupWithdrawJobEnvelope({
      kind: 'largeGroupWithdraw',
      conversationId: image.conversationId,
      conversationSeq: image.cseq,
      msgId: image.msgId,
      from: String(image.from),
      mentions: mentionsOf({ mentions: image.withdrawFrom }),
    }),
  ];
}
