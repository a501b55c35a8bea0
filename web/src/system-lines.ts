import type { ImClient, TimelineItem } from '../../client/src/index.js';
import { systemText } from './format.js';

export interface SystemLine {
  seq: number;
  ts: number;
  text: string;
}

/** Membership changes seen in the timeline, per conversation, as lines of text for the chat. */
export class SystemLines {
  private readonly lines = new Map<string, SystemLine[]>();

  constructor(
    private readonly client: ImClient,
    private readonly me: string,
  ) {}

  /** Records a `system` timeline item; returns its conversation when it added a line. */
  add(item: TimelineItem): string | undefined {
    if (item.type !== 'system' || !item.system) return undefined;
    const conversationId = item.system.conversationId;
    if (typeof conversationId !== 'string') return undefined;
    const lines = this.lines.get(conversationId) ?? [];
    if (lines.some((line) => line.seq === item.seq)) return undefined;
    // System items carry no time: place the line after the conversation's latest message so far
    // (timeline order), which is where it happened.
    const ts = typeof item.system.ts === 'number' ? item.system.ts : (this.client.conversation(conversationId)?.lastMessage?.ts ?? 0) + 0.5;
    lines.push({ seq: item.seq, ts, text: systemText(item.system, this.me) });
    this.lines.set(conversationId, lines);
    return conversationId;
  }

  of(conversationId: string): SystemLine[] {
    return this.lines.get(conversationId) ?? [];
  }
}
