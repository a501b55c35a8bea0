/**
 * A word-list moderation function for serverless-im (docs/moderation.md): a plain Lambda handler
 * (Node.js 20+, no dependencies) to deploy as the function `moderationFunctionArn` names.
 *
 * - a body with a word of DENY_WORDS is refused:        {"decision":"deny","reason":"..."}
 * - words of REDACT_WORDS are starred out (redaction):  {"decision":"replace","body":{...}}
 * - anything else goes through:                         {"decision":"allow"}
 *
 * Both lists are comma-separated environment variables (case-insensitive, whole words). Text
 * bodies and attachment captions are checked; custom payloads are the app's own and pass.
 */

const words = (name, fallback) =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((word) => word.trim().toLowerCase())
    .filter(Boolean);

const DENY_WORDS = words('DENY_WORDS', 'spamlink,scamcoin');
const REDACT_WORDS = words('REDACT_WORDS', 'darn,heck');

const escape = (word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pattern = (list) => (list.length > 0 ? new RegExp(`\\b(${list.map(escape).join('|')})\\b`, 'giu') : undefined);
const DENY = pattern(DENY_WORDS);
const REDACT = pattern(REDACT_WORDS);

/** The text a body shows: a text body's text, an attachment's caption; none for custom bodies. */
const textOf = (body) => (body.kind === 'text' ? body.text : typeof body.caption === 'string' ? body.caption : undefined);

const withText = (body, text) => (body.kind === 'text' ? { ...body, text } : { ...body, caption: text });

/**
 * The event: {version, kind: 'message'|'edit', sender, conversationId, body, msgId, clientMsgId?,
 * conversationSeq?, source, deadlineMs}. Answer well within deadlineMs: later, the stack applies
 * its fallback (moderationFallback) and ignores the answer.
 */
export const handler = async (event) => {
  const text = textOf(event.body);
  if (text === undefined) return { decision: 'allow' };
  const denied = DENY && text.match(DENY);
  if (denied) return { decision: 'deny', reason: `contains a blocked word ("${denied[0]}")` };
  if (REDACT && REDACT.test(text)) {
    REDACT.lastIndex = 0;
    return { decision: 'replace', body: withText(event.body, text.replace(REDACT, (word) => '*'.repeat(word.length))) };
  }
  return { decision: 'allow' };
};
