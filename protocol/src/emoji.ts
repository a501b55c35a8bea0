import { MAX_EMOJI_CHARS } from './limits.js';

/**
 * One emoji grapheme: a keycap (`1️⃣`), a flag (two regional indicators), a subdivision flag
 * (black flag + tag letters + cancel tag), or pictographs joined by ZWJ, each optionally with a
 * variation selector and a skin tone. Written with `u`-flag properties only (ES2018), so it works
 * wherever the SDK runs; the `v` flag's `\p{RGI_Emoji}` is not available everywhere yet.
 */
const PICTOGRAPH = '\\p{Extended_Pictographic}(?:\\uFE0F|\\p{Emoji_Modifier})?';
const EMOJI_PATTERN = new RegExp(
  [
    '^(?:',
    '[0-9#*]\\uFE0F?\\u20E3',
    '|\\p{Regional_Indicator}{2}',
    '|\\u{1F3F4}[\\u{E0061}-\\u{E007A}]{1,8}\\u{E007F}',
    `|${PICTOGRAPH}(?:\\u200D${PICTOGRAPH}){0,6}`,
    ')$',
  ].join(''),
  'u',
);

/** True when `value` is exactly one emoji grapheme (see EMOJI_PATTERN). */
export const isEmoji = (value: string): boolean => value.length <= MAX_EMOJI_CHARS && EMOJI_PATTERN.test(value);
