import { expect } from 'vitest';
import type { TestClient } from '../support/ws-client.js';
import { requestUntilAnswered, syncEverything } from './harness.js';

/**
 * What the acknowledged `edit`, `recall` and `react` requests of a randomized run imply for each
 * message, and the check that every device and the server ended there. Each message is edited and
 * recalled only by its sender, and each (user, emoji) is toggled only by that user, one request at
 * a time, so the last acknowledged request of each decides, whatever the server's interleaving.
 */

export const REACTION_EMOJI = ['👍', '❤️', '😂'] as const;

interface MessageState {
  conversationId: string;
  conversationSeq: number;
  from: string;
  /** Every text the message ever had: none may survive a recall anywhere. */
  texts: string[];
  body: string;
  recalled: boolean;
  /** `${userId}\n${emoji}` -> on, from each user's last acknowledged `react`. */
  reactions: Map<string, boolean>;
  /** A `react` refused because the message was recalled meanwhile: its recall must have landed. */
  refusedAsRecalled: boolean;
}

/** The comparable state of a message as a reply or an item shows it. */
interface ShownState {
  body?: string;
  recalled: boolean;
  reactions: string[];
}

const shown = (message: { body?: { text?: string }; recalled?: boolean; reactions?: Record<string, string[]> }): ShownState => ({
  ...(message.body?.text !== undefined ? { body: message.body.text } : {}),
  recalled: message.recalled === true,
  reactions: Object.entries(message.reactions ?? {})
    .flatMap(([emoji, users]) => users.map((user) => `${user}\n${emoji}`))
    .sort(),
});

export class MessageChangesModel {
  private readonly messages = new Map<string, MessageState>();
  counts = { edits: 0, recalls: 0, reactions: 0, refused: 0 };

  /** An acknowledged send: the message exists with this text. */
  sent(message: { msgId: string; conversationId: string; conversationSeq: number; from: string; text: string }): void {
    this.messages.set(message.msgId, { ...message, texts: [message.text], body: message.text, recalled: false, reactions: new Map(), refusedAsRecalled: false });
  }

  /** The sender's own messages that can still change (not recalled). */
  ownLive(userId: string): { msgId: string; conversationId: string; conversationSeq: number }[] {
    return [...this.messages.entries()].filter(([, m]) => m.from === userId && !m.recalled).map(([msgId, m]) => ({ msgId, ...m }));
  }

  /** Messages of conversations the user is in. */
  visibleTo(userId: string, membersOf: (conversationId: string) => readonly string[]): { msgId: string; conversationId: string; conversationSeq: number }[] {
    return [...this.messages.entries()].filter(([, m]) => membersOf(m.conversationId).includes(userId)).map(([msgId, m]) => ({ msgId, ...m }));
  }

  edited(msgId: string, text: string): void {
    const message = this.messages.get(msgId)!;
    message.texts.push(text);
    message.body = text;
    this.counts.edits++;
  }

  recalledMessage(msgId: string): void {
    this.messages.get(msgId)!.recalled = true;
    this.counts.recalls++;
  }

  reacted(msgId: string, userId: string, emoji: string, on: boolean): void {
    this.messages.get(msgId)!.reactions.set(`${userId}\n${emoji}`, on);
    this.counts.reactions++;
  }

  refusedAsRecalled(msgId: string): void {
    this.messages.get(msgId)!.refusedAsRecalled = true;
    this.counts.refused++;
  }

  private expected(message: MessageState): ShownState {
    if (message.recalled) return { recalled: true, reactions: [] };
    const reactions = [...message.reactions.entries()].filter(([, on]) => on).map(([key]) => key).sort();
    return { body: message.body, recalled: false, reactions };
  }

  /**
   * The stored state (`syncConversation`, read by a member) is what the acknowledged changes
   * imply; every device of every member, from its own timeline (each message at the highest
   * version any item shows), ends in that state; no item anywhere still holds a text of a
   * recalled message.
   */
  async check(input: { devices: Map<string, TestClient[]>; membersOf: (conversationId: string) => readonly string[]; label: string }): Promise<number> {
    const { label } = input;
    for (const message of this.messages.values()) {
      if (message.refusedAsRecalled) expect(message.recalled, `${label} a react refused as recalled: the recall landed`).toBe(true);
    }
    const byConversation = new Map<string, Map<number, ShownState>>();
    for (const message of this.messages.values()) {
      if (byConversation.has(message.conversationId)) continue;
      const reader = input.devices.get(input.membersOf(message.conversationId)[0]!)![0]!;
      const stored = new Map<number, ShownState>();
      for (let after = 0; ; ) {
        const reply = await requestUntilAnswered(reader, 'syncConversation', { conversationId: message.conversationId, after, limit: 200 });
        expect(reply.ok, `${label} ${JSON.stringify(reply)}`).toBe(true);
        for (const item of reply.data.items as any[]) stored.set(item.conversationSeq, shown(item));
        if (!reply.data.hasMore || reply.data.items.length === 0) break;
        after = reply.data.items.at(-1).conversationSeq;
      }
      byConversation.set(message.conversationId, stored);
    }
    for (const [msgId, message] of this.messages) {
      expect(byConversation.get(message.conversationId)!.get(message.conversationSeq), `${label} stored state of ${msgId}`).toEqual(this.expected(message));
    }
    let devicesChecked = 0;
    for (const [userId, clients] of input.devices) {
      for (const client of clients) {
        devicesChecked++;
        const items = await syncEverything(client);
        const newest = new Map<string, { version: number; state: ShownState }>();
        for (const item of items as any[]) {
          if ((item.type !== 'message' && item.type !== 'update') || !item.message) continue;
          const version = item.message.version ?? 1;
          const known = newest.get(item.message.msgId);
          if (!known || version > known.version) newest.set(item.message.msgId, { version, state: shown(item.message) });
        }
        const everything = JSON.stringify(items);
        for (const [msgId, message] of this.messages) {
          if (!input.membersOf(message.conversationId).includes(userId)) continue;
          expect(newest.get(msgId)?.state, `${label} ${userId}'s device sees ${msgId} in its final state`).toEqual(this.expected(message));
          if (message.recalled) for (const gone of message.texts) expect(everything.includes(JSON.stringify(gone)), `${label} "${gone}" left in ${userId}'s timeline`).toBe(false);
        }
      }
    }
    return devicesChecked;
  }
}
