import type { TestClient } from './ws-client.js';

export interface TimelineItemFrame {
  seq: number;
  type: string;
  message?: { msgId: string; conversationId: string; conversationSeq: number; from: string; body?: any; ts: number; clientMsgId: string; recalled?: true; version?: number };
  system?: Record<string, unknown>;
}

/** Pulls the whole timeline after `after` the way a client must: `sync` until `hasMore` is false. */
export async function syncAll(client: TestClient, after = 0): Promise<TimelineItemFrame[]> {
  const items: TimelineItemFrame[] = [];
  let cursor = after;
  for (let round = 0; round < 1000; round++) {
    const reply = await client.request('sync', { after: cursor, limit: 200 });
    if (!reply.ok) throw new Error(`sync failed: ${JSON.stringify(reply.error)}`);
    items.push(...reply.data.items);
    if (reply.data.items.length > 0) cursor = reply.data.items.at(-1).seq;
    if (!reply.data.hasMore) return items;
    if (reply.data.items.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('sync never finished');
}

/** Asserts helper: seqs are 1..n without gaps. */
export function isContiguousFrom(seqs: number[], first: number): boolean {
  return seqs.every((seq, index) => seq === first + index);
}

export const messagesOf = (items: TimelineItemFrame[]) => items.filter((item) => item.type === 'message').map((item) => item.message!);
