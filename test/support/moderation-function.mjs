/**
 * The moderation function of the moderation tests: examples/moderation/handler.mjs (the word
 * list), plus markers in a text body that make it misbehave the ways a company's function can:
 * `#throw` (a function error), `#garbage` (an answer that is no decision), `#badreplace` (a
 * replacement body the schema refuses), `#slow:allow` / `#slow:deny` (answers that decision after
 * SLOW_MS, well past the stack's deadline).
 */
import { handler as wordList } from '../../examples/moderation/handler.mjs';

const SLOW_MS = Number(process.env.SLOW_MS ?? 9000);

export const handler = async (event) => {
  const text = event.body?.kind === 'text' ? event.body.text : '';
  if (text.includes('#throw')) throw new Error('moderation function failed on purpose');
  if (text.includes('#garbage')) return { decision: 'maybe', score: 0.5 };
  if (text.includes('#badreplace')) return { decision: 'replace', body: { kind: 'text', text: '' } };
  const slow = /#slow:(allow|deny)/.exec(text);
  if (slow) {
    await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
    return slow[1] === 'allow' ? { decision: 'allow' } : { decision: 'deny', reason: 'too late to matter' };
  }
  return wordList(event);
};
