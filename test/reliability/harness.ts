import { USER_RATE_CLASS_NAMES } from '@serverless-im/protocol';
import { expect } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import type { CallInspector } from '../../local-cloud/front-door/dynamodb-front-door.js';
import type { TimelineItemFrame } from '../support/timeline-reader.js';
import { HandshakeRefused, type ReplyFrame, TestClient } from '../support/ws-client.js';

/**
 * Helpers for the fault tests: a client that retries like a real one (same clientMsgId, backoff),
 * a sync that survives injected failures, and one checker for DESIGN.md's invariants 1-3 and the
 * unread rule, fed with what the test saw acknowledged.
 */

export const text = (value: string) => ({ kind: 'text', text: value });
/**
 * Function environment for test clouds that are not about rate limits: the per-connection token
 * bucket and the per-user send window (functions/limits) set out of reach, so a burst of
 * test traffic is not refused. test/security/rate-limits.test.ts tests the limits themselves.
 */
export const NO_RATE_LIMITS = {
  RATE_LIMIT_BURST: '1000000',
  RATE_LIMIT_PER_SECOND: '1000000',
  SEND_LIMIT_PER_MINUTE: '1000000',
  // Every per-user action class (functions/limits/user-limits.ts) and the connections per user.
  USER_RATE_LIMITS: JSON.stringify(Object.fromEntries(USER_RATE_CLASS_NAMES.map((name) => [name, 1_000_000]))),
  MAX_CONNECTIONS_PER_USER: '1000',
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small seeded PRNG (mulberry32): every randomized choice is reproducible from its seed. */
export function prng(seed: number): { next(): number; int(max: number): number; pick<T>(items: readonly T[]): T; chance(p: number): boolean } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

/** Connects, retrying the handshake while injected faults make `$connect` fail (500). */
export async function connectRobust(cloud: LocalCloud, userId: string, deviceId?: string): Promise<TestClient> {
  const token = await cloud.devToken(userId);
  for (let attempt = 0; ; attempt++) {
    try {
      return await TestClient.connect(cloud.url, deviceId ? { token, device: deviceId } : { token });
    } catch (error) {
      if (attempt >= 30 || (error instanceof HandshakeRefused && error.status === 401)) throw error;
      await sleep(200 + attempt * 100);
    }
  }
}

/**
 * One request, answered by its reply or by API Gateway's `Internal server error` frame (what a
 * client sees when the function crashed). Only one request may be in flight on the client.
 */
export async function requestOnce(client: TestClient, action: string, params: Record<string, unknown>, timeoutMs = 40_000): Promise<ReplyFrame | 'crashed' | 'closed'> {
  const id = `q${Math.random().toString(36).slice(2, 12)}`;
  const seen = client.frames.length;
  client.socket.send(JSON.stringify({ action, id, ...params }));
  return client.waitFor(() => {
    for (const frame of client.frames.slice(seen) as any[]) {
      if (frame && typeof frame === 'object' && frame.id === id) return frame as ReplyFrame;
      if (frame && typeof frame === 'object' && frame.message === 'Internal server error') return 'crashed' as const;
    }
    if (client.closeCode !== undefined) return 'closed' as const;
    return undefined;
  }, timeoutMs);
}

export interface RetryStats {
  attempts: number;
  crashed: number;
  internal: number;
  conflict: number;
  rateLimited?: number;
}

/**
 * Sends until acknowledged, with the same clientMsgId every time, as the client SDK's outbox does:
 * `CONFLICT` (an earlier attempt still in progress), `INTERNAL` and a crashed function all mean
 * "retry later". Any other refusal fails the test. Bounded: an attempt window is ~15 s.
 */
export async function sendUntilAcked(
  client: TestClient,
  params: Record<string, unknown>,
  stats: RetryStats = { attempts: 0, crashed: 0, internal: 0, conflict: 0 },
): Promise<ReplyFrame> {
  const deadline = Date.now() + 120_000;
  for (let attempt = 0; ; attempt++) {
    stats.attempts++;
    const reply = await requestOnce(client, 'send', params);
    if (reply === 'closed') throw new Error('connection closed while sending');
    if (reply !== 'crashed' && reply.ok) return reply;
    if (reply === 'crashed') stats.crashed++;
    else if (reply.error?.code === 'INTERNAL') stats.internal++;
    else if (reply.error?.code === 'CONFLICT' && /in progress/.test(reply.error.message)) stats.conflict++;
    else if (reply.error?.code === 'RATE_LIMITED') stats.rateLimited = (stats.rateLimited ?? 0) + 1;
    else throw new Error(`send refused: ${JSON.stringify(reply)}`);
    if (Date.now() > deadline) throw new Error(`send never acknowledged: ${JSON.stringify(params)}`);
    await sleep(Math.min(300 * 2 ** Math.min(attempt, 4), 3_000));
  }
}

/** Any request, retried on INTERNAL, RATE_LIMITED or a crashed function (reads and marks are idempotent). */
export async function requestUntilAnswered(client: TestClient, action: string, params: Record<string, unknown> = {}): Promise<ReplyFrame> {
  for (let attempt = 0; ; attempt++) {
    const reply = await requestOnce(client, action, params);
    if (reply === 'closed') throw new Error(`connection closed during ${action}`);
    if (reply !== 'crashed' && reply.error?.code !== 'INTERNAL' && reply.error?.code !== 'RATE_LIMITED') return reply;
    if (attempt >= 20) throw new Error(`${action} kept failing: ${JSON.stringify(reply)}`);
    await sleep(300 + attempt * 200);
  }
}

/** `sync` until `hasMore` is false, surviving injected failures. */
export async function syncEverything(client: TestClient, after = 0): Promise<TimelineItemFrame[]> {
  const items: TimelineItemFrame[] = [];
  let cursor = after;
  for (let round = 0; round < 2_000; round++) {
    const reply = await requestUntilAnswered(client, 'sync', { after: cursor, limit: 200 });
    if (!reply.ok) throw new Error(`sync refused: ${JSON.stringify(reply)}`);
    items.push(...reply.data.items);
    if (reply.data.items.length > 0) cursor = reply.data.items.at(-1).seq;
    if (!reply.data.hasMore) return items;
    if (reply.data.items.length === 0) await sleep(200);
  }
  throw new Error('sync never finished');
}

/** A seeded DynamoDB throttling / 5xx injector for the functions' calls (not the test's own). */
export function throttlingInspector(seed: number, fraction: number, counter: { refused: number; seen: number }): CallInspector {
  const random = prng(seed);
  return (call) => {
    if (call.accessKeyId === 'localcloud' || call.accessKeyId === 'test' || call.accessKeyId === 'anonymous') return undefined;
    counter.seen++;
    if (!random.chance(fraction)) return undefined;
    counter.refused++;
    return random.chance(0.5)
      ? { status: 400, type: 'ProvisionedThroughputExceededException', message: 'The level of configured provisioned throughput for the table was exceeded.' }
      : { status: 500, type: 'InternalServerError', message: 'Internal server error' };
  };
}

/** What a test saw acknowledged. */
export interface AckedMessage {
  msgId: string;
  conversationId: string;
  conversationSeq: number;
  from: string;
  clientMsgId: string;
  /** The sender's own timeline seq for it (null for large groups). */
  seq: number | null;
  /** Order in which the sender's sends were acknowledged (per sender). */
  ackIndex: number;
}

export interface InvariantInput {
  /** Every user to check, with a connected client. */
  clients: Map<string, TestClient>;
  /** Members of each conversation the test used. */
  members: Map<string, string[]>;
  acked: AckedMessage[];
  /** Highest `upTo` each user asked `read` for, per conversation (acknowledged reads only). */
  reads?: Map<string, Map<string, number>>;
  /**
   * Groups whose membership changed during the run: who was ever a member (only they may hold
   * its messages) and who is one now (only they must find it in `conversations`). `members`
   * then lists the members for the whole run, who must have every message.
   */
  groupMembership?: { ever: Map<string, Set<string>>; current: Map<string, Set<string>> };
  label?: string;
}

/**
 * Checks invariants 1-3 and the unread rule across every given user:
 * - each user's seqs are 1..n without a gap (void items allowed, they close abandoned seqs);
 * - every acknowledged message is in every member's timeline exactly once, and nothing else is;
 * - conversationSeq is 1..n per conversation, the same message at each position for everyone;
 * - per sender and conversation, the acknowledged order is the conversationSeq order, and in
 *   direct conversations also the timeline order;
 * - unread of every conversation equals the messages from others after readUpTo, totalUnread the sum.
 */
export async function checkInvariants(input: InvariantInput): Promise<{ timelineItems: number; messagesChecked: number }> {
  const label = input.label ?? '';
  const byMsgId = new Map(input.acked.map((message) => [message.msgId, message]));
  expect(byMsgId.size, `${label} msgIds unique`).toBe(input.acked.length);
  // conversationSeq contiguous per conversation, from what was acknowledged.
  const byConversation = new Map<string, AckedMessage[]>();
  for (const message of input.acked) byConversation.set(message.conversationId, [...(byConversation.get(message.conversationId) ?? []), message]);
  for (const [conversationId, messages] of byConversation) {
    const cseqs = messages.map((m) => m.conversationSeq).sort((a, b) => a - b);
    expect(cseqs, `${label} conversationSeq contiguous in ${conversationId}`).toEqual(cseqs.map((_, index) => index + 1));
    // Per sender: ack order is cseq order.
    const senders = new Set(messages.map((m) => m.from));
    for (const sender of senders) {
      const theirs = messages.filter((m) => m.from === sender).sort((a, b) => a.ackIndex - b.ackIndex);
      const cs = theirs.map((m) => m.conversationSeq);
      expect(cs, `${label} ${sender}'s order in ${conversationId}`).toEqual([...cs].sort((a, b) => a - b));
    }
  }
  let timelineItems = 0;
  let messagesChecked = 0;
  for (const [userId, client] of input.clients) {
    const items = await syncEverything(client);
    timelineItems += items.length;
    expect(items.map((item) => item.seq), `${label} ${userId}'s seqs contiguous`).toEqual(items.map((_, index) => index + 1));
    const messages = items.filter((item) => item.type === 'message').map((item) => item.message!);
    const seen = new Map<string, number>();
    for (const message of messages) seen.set(message.msgId, (seen.get(message.msgId) ?? 0) + 1);
    for (const [msgId, count] of seen) {
      expect(count, `${label} ${msgId} once in ${userId}'s timeline`).toBe(1);
      const acked = byMsgId.get(msgId);
      expect(acked, `${label} ${msgId} in ${userId}'s timeline was acknowledged`).toBeDefined();
    }
    for (const message of messages) {
      const ever = input.groupMembership?.ever.get(message.conversationId);
      if (ever) expect(ever.has(userId), `${label} ${message.msgId} of ${message.conversationId} in the timeline of ${userId}, never a member`).toBe(true);
      const acked = byMsgId.get(message.msgId)!;
      expect({ c: message.conversationId, s: message.conversationSeq, f: message.from, k: message.clientMsgId }).toEqual({
        c: acked.conversationId,
        s: acked.conversationSeq,
        f: acked.from,
        k: acked.clientMsgId,
      });
    }
    for (const acked of input.acked) {
      if (!(input.members.get(acked.conversationId) ?? []).includes(userId)) continue;
      messagesChecked++;
      expect(seen.get(acked.msgId), `${label} ${acked.msgId} (${acked.from}→${acked.conversationId} #${acked.conversationSeq}) in ${userId}'s timeline`).toBe(1);
      if (acked.from === userId && acked.seq !== null) {
        expect(items[acked.seq - 1]?.message?.msgId, `${label} ${userId}'s own seq for ${acked.msgId}`).toBe(acked.msgId);
      }
    }
    // Direct conversations: each sender's messages in timeline order = ack order.
    for (const [conversationId, conversationMembers] of input.members) {
      if (!conversationId.startsWith('dm:') || !conversationMembers.includes(userId)) continue;
      for (const sender of conversationMembers) {
        const inTimeline = messages.filter((m) => m.conversationId === conversationId && m.from === sender).map((m) => m.msgId);
        const ackOrder = input.acked
          .filter((m) => m.conversationId === conversationId && m.from === sender)
          .sort((a, b) => a.ackIndex - b.ackIndex)
          .map((m) => m.msgId);
        expect(inTimeline, `${label} ${sender}'s order in ${userId}'s timeline of ${conversationId}`).toEqual(ackOrder);
      }
    }
    // Unread: what the timeline implies.
    const list = await requestUntilAnswered(client, 'conversations');
    expect(list.ok, JSON.stringify(list)).toBe(true);
    let sum = 0;
    for (const item of list.data.items as any[]) {
      sum += item.unread;
      // A recalled message no longer counts as unread.
      const implied = messages.filter((m) => m.conversationId === item.conversationId && m.from !== userId && m.conversationSeq > item.readUpTo && !m.recalled).length;
      expect(item.unread, `${label} ${userId}'s unread in ${item.conversationId} (readUpTo ${item.readUpTo})`).toBe(implied);
      const ownLatest = Math.max(0, ...messages.filter((m) => m.conversationId === item.conversationId && m.from === userId).map((m) => m.conversationSeq));
      expect(item.readUpTo, `${label} sending marks read (${userId}, ${item.conversationId})`).toBeGreaterThanOrEqual(ownLatest);
      const asked = input.reads?.get(userId)?.get(item.conversationId) ?? 0;
      expect(item.readUpTo, `${label} read is kept (${userId}, ${item.conversationId})`).toBeGreaterThanOrEqual(asked);
    }
    expect(list.data.totalUnread, `${label} ${userId}'s totalUnread`).toBe(sum);
    // Every conversation with a message for this user is listed.
    const listed = new Set((list.data.items as any[]).map((item) => item.conversationId));
    for (const message of messages) {
      const current = input.groupMembership?.current.get(message.conversationId);
      if (current && !current.has(userId)) continue;
      expect(listed.has(message.conversationId), `${label} ${message.conversationId} listed for ${userId}`).toBe(true);
    }
  }
  // Each conversation read back through syncConversation by one member: the same messages at the same positions.
  for (const [conversationId, messages] of byConversation) {
    const reader = input.clients.get((input.members.get(conversationId) ?? [])[0] ?? '');
    if (!reader) continue;
    const reply = await requestUntilAnswered(reader, 'syncConversation', { conversationId, after: 0, limit: 200 });
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
    const stored = (reply.data.items as any[]).map((m) => `${m.conversationSeq}:${m.msgId}`);
    const expected = [...messages].sort((a, b) => a.conversationSeq - b.conversationSeq).map((m) => `${m.conversationSeq}:${m.msgId}`);
    if (!reply.data.hasMore) expect(stored, `${label} stored messages of ${conversationId}`).toEqual(expected);
  }
  return { timelineItems, messagesChecked };
}
