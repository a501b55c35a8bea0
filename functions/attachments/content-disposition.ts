import { isInlineContentType } from '@serverless-im/protocol';

/**
 * The Content-Disposition S3 serves an attachment with. Images, video and audio are `inline` (the
 * app shows them); everything else is `attachment`, so a browser only ever saves it: an uploaded
 * HTML or SVG file can never run in a page. The name is the sender's, made safe for a header:
 * `filename` is plain ASCII without quotes, backslashes, path separators or control characters,
 * `filename*` (RFC 6266 / 8187) carries the UTF-8 name percent-encoded.
 */
export function contentDispositionOf(name: string, contentType: string): string {
  const type = isInlineContentType(contentType) ? 'inline' : 'attachment';
  const cleaned = cleanName(name);
  const ascii = cleaned.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeRfc8187(cleaned)}`;
}

/** No path, no control characters, no leading dots (hidden files), at most 150 characters. */
export function cleanName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    // A lone surrogate cannot be encoded as UTF-8.
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 150);
  return cleaned === '' ? 'attachment' : cleaned;
}

/** RFC 8187 `value-chars`: attr-char stays, everything else is %XX of its UTF-8 bytes. */
const encodeRfc8187 = (value: string): string =>
  encodeURIComponent(value).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
