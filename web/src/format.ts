import type { Body, ConnectionFailure, ConversationState, Message } from '../../client/src/index.js';

/** Same rule as the server's USER_ID_PATTERN. */
export const USER_ID = /^[A-Za-z0-9_.@-]{1,64}$/;

/** A recalled message has no body: it reads as the line every chat app shows for it. */
export const RECALLED_TEXT = 'This message was deleted';

const ATTACHMENT_LABELS = { image: 'Photo', video: 'Video', audio: 'Voice note', file: 'File' } as const;

export function bodyText(body: Body | undefined): string {
  if (body === undefined) return RECALLED_TEXT;
  if (body.kind === 'text') return body.text;
  if (body.kind === 'custom') return `[${body.type}]`;
  const label = body.kind === 'file' ? `📎 ${body.name}` : ATTACHMENT_LABELS[body.kind];
  return body.caption ? `${label}: ${body.caption}` : label;
}

export function conversationName(conversation: Pick<ConversationState, 'conversationId' | 'kind' | 'peer' | 'title'>): string {
  if (conversation.kind === 'direct') return conversation.peer ?? conversation.conversationId;
  return conversation.title ?? 'Group';
}

/** A message the reader hid for themselves (deleteForMe): only they see this line. */
export const HIDDEN_TEXT = 'You deleted this message';

export function preview(message: Message | undefined, me: string, kind: string, hidden = false): string {
  if (!message) return 'No messages yet';
  if (hidden || message.deletedForMe) return HIDDEN_TEXT;
  const text = bodyText(message.body);
  if (message.from === me) return `You: ${text}`;
  return kind === 'group' ? `${message.from}: ${text}` : text;
}

export function time(ts: number): string {
  const date = new Date(ts);
  const now = new Date();
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

/** A membership change (`system` timeline item) as a line of text. */
export function systemText(system: Record<string, unknown>, me: string): string {
  const who = (user: unknown): string => (user === me ? 'You' : typeof user === 'string' ? user : 'Someone');
  const list = (value: unknown): string => (Array.isArray(value) ? value.map((user) => (user === me ? 'you' : String(user))).join(', ') : 'members');
  switch (system.event) {
    case 'groupCreated':
      return `${who(system.by)} created the group${typeof system.title === 'string' ? ` “${system.title}”` : ''}`;
    case 'membersAdded':
      return `${who(system.by)} added ${list(system.members)}`;
    case 'membersRemoved':
      return `${who(system.by)} removed ${list(system.members)}`;
    case 'memberLeft':
      return `${list(system.members)} left`;
    case 'groupBecameLarge':
      return 'The group became large';
    case 'roleChanged':
      return system.role === 'admin' ? `${who(system.by)} made ${list(system.members)} an admin` : `${who(system.by)} made ${list(system.members)} a member`;
    case 'ownershipTransferred':
      return `${list(system.members)} ${Array.isArray(system.members) && system.members.includes(me) ? 'are' : 'is'} now the owner`;
    case 'groupUpdated': {
      const changes = [
        typeof system.title === 'string' ? `renamed the group “${system.title}”` : null,
        typeof system.onlyAdminsSend === 'boolean' ? (system.onlyAdminsSend ? 'let only admins send' : 'let everyone send') : null,
        typeof system.onlyAdminsAdd === 'boolean' ? (system.onlyAdminsAdd ? 'let only admins add members' : 'let everyone add members') : null,
      ].filter(Boolean);
      return `${who(system.by)} ${changes.join(', ') || 'changed the group'}`;
    }
    default:
      return `Group changed (${String(system.event)})`;
  }
}

/** Parses "bob, carol dave" into user ids; throws on an invalid one. */
export function parseUsers(text: string): string[] {
  const users = text.split(/[\s,]+/).filter(Boolean);
  for (const user of users) if (!USER_ID.test(user)) throw new Error(`"${user}" is not a valid user name`);
  return [...new Set(users)];
}

/** Why the page is back at sign-in after the SDK's terminal `failed` state. */
export function failureText(failure: Pick<ConnectionFailure, 'source' | 'reason'> | undefined): string {
  switch (failure?.reason) {
    case 'tokenExpired':
      return 'Your session expired. Sign in again.';
    case 'tokenMalformed':
    case 'handshakeRefused':
      return 'The server refused your sign-in. Sign in again.';
    case 'revoked':
      return 'You were signed out by the server. Sign in again.';
    case 'tooManyConnections':
      return 'Too many open sessions for this user. Close one and sign in again.';
    case 'replaced':
      return 'This session was replaced by a newer one. Sign in again.';
    default:
      return `The connection ended${failure ? ` (${failure.reason})` : ''}. Sign in again.`;
  }
}
