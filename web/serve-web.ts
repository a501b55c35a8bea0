import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built page (scripts/build-web.mjs writes it). */
export const DEFAULT_WEB_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist');

/** The only files served: URL path → file in the build folder, and its content type. */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.js.map': { file: 'app.js.map', type: 'application/json; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

const S3_SOURCES = 'http://127.0.0.1:* https://*.amazonaws.com';

const SECURITY_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  // Scripts only from this origin; WebSocket and fetch to this origin (ws: for the gateway).
  // Attachments: uploads (connect) and inline pictures, video and voice notes (img, media) come
  // straight from S3 through presigned URLs: the local S3 on 127.0.0.1, or S3 itself.
  'content-security-policy': `default-src 'self'; connect-src 'self' ws: wss: ${S3_SOURCES}; img-src 'self' data: blob: ${S3_SOURCES}; media-src 'self' blob: ${S3_SOURCES}; object-src 'none'; base-uri 'none'`,
};

/**
 * The local cloud's `httpHandler` for the web chat: `/` (index.html), `/app.js`, `/app.css` from
 * `dir` (default web/dist). Nothing else is read from disk; other paths are left to the next
 * handler (the gateway answers 404). GET and HEAD only.
 */
export function webChatHandler(options: { dir?: string } = {}) {
  const dir = path.resolve(options.dir ?? DEFAULT_WEB_DIR);
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const entry = Object.hasOwn(FILES, pathname) ? FILES[pathname] : undefined;
    if (!entry) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return true;
    }
    let content: Buffer;
    try {
      content = await readFile(path.join(dir, entry.file));
    } catch {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
        .end(`${entry.file} is not built: run "npm run build:web"\n`);
      return true;
    }
    response.writeHead(200, { 'content-type': entry.type, 'content-length': content.length, ...SECURITY_HEADERS });
    response.end(request.method === 'HEAD' ? undefined : content);
    return true;
  };
}
