import type { Message } from '@serverless-im/protocol';
import { largeGroupJobEnvelope, mentionsOf, type NotificationEnvelope, userJobEnvelope } from './jobs.js';

/**
 * The notification jobs one committed item calls for, from its stream image:
 * - a timeline item of type `message` (Timelines: `userId` + `seq`) in someone else's name: one
 *   job for that user (direct messages and write fan-out groups);
 * - a large-group message (Conversations: `conversationId` + `cseq`, `fanOut: read`): one job that
 *   expands to its mentioned members (or every member, by setting).
 * Anything else (the sender's own item, system items, heads) calls for nothing.
 */
export function jobsOfImage(image: Record<string, unknown>, largeGroups: 'mentions' | 'all'): NotificationEnvelope[] {
  if (typeof image.userId === 'string' && typeof image.seq === 'number') {
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
