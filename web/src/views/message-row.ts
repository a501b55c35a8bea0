import type { ImClient, Message, ReportReason } from '../../../client/src/index.js';
import { type Child, h } from '../dom.js';
import { bodyText, time } from '../format.js';

/** What the reaction picker offers. */
export const REACTION_CHOICES = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;

/** What a row can ask the chat to do. */
export interface RowActions {
  reply(message: Message): void;
  edit(message: Message): void;
  recall(message: Message): void;
  deleteForMe(message: Message): void;
  react(message: Message, emoji: string, on: boolean): void;
  /** Reports the message to the company running the service. */
  report(message: Message, reason: ReportReason): void;
  /** Scrolls to (and flashes) the message at this conversationSeq. */
  show(conversationSeq: number): void;
}

export interface RowContext {
  client: ImClient;
  me: string;
  isGroup: boolean;
  /** The group's owner and admins may recall any message. */
  mayRecallAny: boolean;
  readBy: Record<string, number>;
  /** Other loaded messages of the conversation, by conversationSeq (for reply snippets). */
  bySeq: ReadonlyMap<number, Message>;
  actions: RowActions;
  /** The message whose menu is open (it stays open across re-renders). */
  openMenu: number | undefined;
  toggleMenu(conversationSeq: number | undefined): void;
  /** The inline view of an attachment message (image, video, audio, file chip); null for other bodies. */
  attachmentOf(message: Message): HTMLElement | null;
}

const SNIPPET_CHARS = 80;
const snippet = (message: Message | undefined): string => {
  if (!message) return 'an earlier message';
  const text = bodyText(message.body);
  return text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS - 1)}…` : text;
};

/** The text with each `@name` of a mentioned member highlighted (as text nodes: never markup). */
export function textWithMentions(text: string, mentions: readonly string[] | undefined): Child[] {
  if (!mentions || mentions.length === 0) return [text];
  const names = new Set(mentions);
  const parts: Child[] = [];
  let last = 0;
  for (const match of text.matchAll(/@([A-Za-z0-9_.@-]{1,64})/g)) {
    // A trailing dot or similar ends a sentence, not a name.
    const name = match[1]!.replace(/[.@-]+$/, '');
    if (!names.has(name)) continue;
    parts.push(text.slice(last, match.index), h('span', { class: 'mention', testid: 'mention' }, `@${name}`));
    last = match.index + 1 + name.length;
  }
  parts.push(text.slice(last));
  return parts;
}

/** ✓ sent, grey ✓✓ delivered, blue ✓✓ read (groups: by whom). */
function receipt(context: RowContext, message: Message): HTMLElement {
  const readers = Object.entries(context.readBy)
    .filter(([user, upTo]) => user !== context.me && upTo >= message.conversationSeq)
    .map(([user]) => user)
    .sort();
  if (readers.length > 0) {
    const text = context.isGroup ? `✓✓ Read by ${readers.join(', ')}` : '✓✓ Read';
    return h('span', { class: 'receipt read', testid: 'receipt', title: `Read by ${readers.join(', ')}` }, text);
  }
  const status = context.client.messageStatus({ conversationId: message.conversationId, conversationSeq: message.conversationSeq });
  if (status?.state === 'delivered') return h('span', { class: 'receipt delivered', testid: 'receipt', title: 'Delivered' }, '✓✓');
  return h('span', { class: 'receipt', testid: 'receipt', title: 'Sent' }, '✓');
}

function reactionsRow(context: RowContext, message: Message): HTMLElement | null {
  const entries = Object.entries(message.reactions ?? {});
  if (entries.length === 0) return null;
  return h(
    'div',
    { class: 'reactions', testid: 'reactions' },
    ...entries.map(([emoji, users]) => {
      const mine = users.includes(context.me);
      return h(
        'button',
        {
          class: `reaction${mine ? ' mine' : ''}`,
          testid: 'reaction',
          title: users.join(', '),
          attrs: { type: 'button', 'data-emoji': emoji, 'aria-pressed': String(mine) },
          on: { click: () => context.actions.react(message, emoji, !mine) },
        },
        `${emoji} ${users.length}`,
      );
    }),
  );
}

function menu(context: RowContext, message: Message): HTMLElement {
  const mine = message.from === context.me;
  const editable = mine && !message.recalled && message.body?.kind === 'text';
  const item = (testid: string, label: string, run: () => void): HTMLElement =>
    h('button', { class: 'menu-item', testid, attrs: { type: 'button' }, on: { click: () => run() } }, label);
  const panel = h(
    'div',
    { class: 'message-menu', testid: 'message-menu', attrs: { role: 'menu' } },
    message.recalled ? null : h('div', { class: 'picker', testid: 'reaction-picker' }, ...REACTION_CHOICES.map((emoji) =>
      h('button', { class: 'pick', testid: 'pick-reaction', attrs: { type: 'button', 'data-emoji': emoji }, on: { click: () => context.actions.react(message, emoji, !(message.reactions?.[emoji] ?? []).includes(context.me)) } }, emoji),
    )),
    message.recalled ? null : item('menu-reply', 'Reply', () => context.actions.reply(message)),
    editable ? item('menu-edit', 'Edit', () => context.actions.edit(message)) : null,
    !message.recalled && (mine || context.mayRecallAny) ? item('menu-recall', 'Delete for everyone', () => context.actions.recall(message)) : null,
    item('menu-delete-for-me', 'Delete for me', () => context.actions.deleteForMe(message)),
    mine ? null : item('menu-report-spam', 'Report spam', () => context.actions.report(message, 'spam')),
    mine ? null : item('menu-report-abuse', 'Report abuse', () => context.actions.report(message, 'harassment')),
  );
  panel.hidden = context.openMenu !== message.conversationSeq;
  const toggle = h('button', { class: 'menu-button', testid: 'message-menu-button', title: 'More', attrs: { type: 'button', 'aria-haspopup': 'menu' } }, '⋯');
  toggle.addEventListener('click', () => context.toggleMenu(panel.hidden ? message.conversationSeq : undefined));
  // Any choice closes it (the listeners of the items run first).
  panel.addEventListener('click', () => context.toggleMenu(undefined));
  return h('span', { class: 'menu-anchor' }, toggle, panel);
}

/** One stored message: quote of what it answers, text with mentions, edited mark, receipts, reactions, its menu. */
export function messageRow(context: RowContext, message: Message): HTMLElement {
  const mine = message.from === context.me;
  const quoted = message.replyTo !== undefined ? context.bySeq.get(message.replyTo) : undefined;
  const quote =
    message.replyTo !== undefined
      ? h(
          'button',
          { class: 'quote', testid: 'reply-quote', attrs: { type: 'button', 'data-reply-to': String(message.replyTo) }, on: { click: () => context.actions.show(message.replyTo!) } },
          quoted ? h('span', { class: 'quote-from' }, quoted.from) : null,
          h('span', { class: 'quote-text' }, snippet(quoted)),
        )
      : null;
  const text = message.recalled
    ? h('span', { class: 'text recalled', testid: 'message-text' }, bodyText(undefined))
    : (context.attachmentOf(message) ??
      h('span', { class: 'text', testid: 'message-text' }, ...(message.body?.kind === 'text' ? textWithMentions(message.body.text, message.mentions) : [bodyText(message.body)])));
  return h(
    'li',
    {
      class: `message ${mine ? 'mine' : 'theirs'}${message.recalled ? ' is-recalled' : ''}`,
      testid: 'message',
      attrs: { 'data-seq': String(message.conversationSeq), 'data-from': message.from, 'data-msg-id': message.msgId, id: `msg-${message.conversationSeq}` },
    },
    h(
      'span',
      { class: 'bubble' },
      context.isGroup && !mine ? h('span', { class: 'from', testid: 'message-from' }, message.from) : null,
      quote,
      text,
      h(
        'span',
        { class: 'meta' },
        message.editedAt !== undefined && !message.recalled ? h('span', { class: 'edited', testid: 'edited' }, 'edited') : null,
        h('time', { title: new Date(message.ts).toLocaleString() }, time(message.ts)),
        mine ? receipt(context, message) : null,
        menu(context, message),
      ),
      reactionsRow(context, message),
    ),
  );
}
