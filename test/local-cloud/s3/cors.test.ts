import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../browser/browser-support.js';
import { s3ErrorOf, type S3FixtureCloud, sha256, startS3FixtureCloud } from './fixture-cloud.js';

/**
 * The bucket's CORS rules (from the template: origins `http://127.0.0.1:*`, PUT/POST/GET/HEAD,
 * any header, ETag exposed, max age 600) applied to preflights and to actual requests, and
 * proven in Chromium: a page on another loopback origin uploads through a presigned PUT and a
 * presigned POST and reads the bytes back; a page on an origin the rules do not list cannot.
 */

let s3: S3FixtureCloud;
let page: Server;
let pageOrigin: string;
let browser: Browser;
let counter = 0;
const key = (name: string) => `cors/${process.pid}-${++counter}/${name}`;

beforeAll(async () => {
  s3 = await startS3FixtureCloud();
  page = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>upload</title><p>upload page</p>');
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => page?.close(resolve));
  await s3?.stop();
});

const presignPut = (objectKey: string, contentType: string, size: number) => s3.value<string>('Uploader', { op: 'presignPut', key: objectKey, contentType, size });

describe('preflight (OPTIONS)', () => {
  it('answers an allowed origin, method and header with the rule', async () => {
    const url = await presignPut(key('a.png'), 'image/png', 10);
    const response = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: pageOrigin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(pageOrigin);
    expect(response.headers.get('access-control-allow-methods')).toBe('PUT, POST, GET, HEAD');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('access-control-expose-headers')).toBe('ETag');
  });

  it('refuses an origin or method the rules do not list with 403 AccessForbidden', async () => {
    const url = await presignPut(key('b.png'), 'image/png', 10);
    for (const [origin, method] of [
      ['http://localhost:8080', 'PUT'],
      ['https://127.0.0.1:8080', 'PUT'],
      [pageOrigin, 'DELETE'],
    ] as const) {
      const refused = await s3ErrorOf(await fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method } }));
      expect(refused, `${origin} ${method}`).toMatchObject({ status: 403, code: 'AccessForbidden' });
      expect(refused.message).toMatch(/^CORSResponse: This CORS request is not allowed/);
    }
  });

  it('adds the CORS headers to actual answers of an allowed origin, errors included, and none for another origin', async () => {
    const objectKey = key('c.txt');
    await s3.value('Uploader', { op: 'put', key: objectKey, text: 'c', contentType: 'text/plain' });
    const url = await s3.value<string>('Uploader', { op: 'presignGet', key: objectKey });
    const allowed = await fetch(url, { headers: { origin: pageOrigin } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(pageOrigin);
    const expired = new URL(url);
    expired.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect((await fetch(expired, { headers: { origin: pageOrigin } })).headers.get('access-control-allow-origin')).toBe(pageOrigin);
    expect((await fetch(url, { headers: { origin: 'http://localhost:1' } })).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('in Chromium, from a page on another loopback origin', () => {
  it('uploads with a presigned PUT and a presigned POST, and downloads the same bytes', async () => {
    const bytes = randomBytes(200_000);
    const putKey = key('browser-put.png');
    const postKey = key('browser-post.png');
    const putUrl = await presignPut(putKey, 'image/png', bytes.length);
    const post = await s3.value<{ url: string; fields: Record<string, string> }>('Uploader', { op: 'presignPost', key: postKey, contentType: 'image/png', minBytes: 1, maxBytes: bytes.length });

    const tab = await browser.newPage();
    try {
      await tab.goto(`${pageOrigin}/`);
      const result = await tab.evaluate(
        async ({ base64, putUrl, post }) => {
          const data = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
          const put = await fetch(putUrl, { method: 'PUT', body: new Blob([data], { type: 'image/png' }), headers: { 'content-type': 'image/png' } });
          const form = new FormData();
          for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
          form.append('file', new Blob([data], { type: 'image/png' }), 'photo.png');
          const posted = await fetch(post.url, { method: 'POST', body: form });
          return { put: put.status, etag: put.headers.get('etag'), post: posted.status };
        },
        { base64: bytes.toString('base64'), putUrl, post },
      );
      expect(result).toEqual({ put: 200, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/), post: 204 });

      for (const objectKey of [putKey, postKey]) {
        const getUrl = await s3.value<string>('Uploader', { op: 'presignGet', key: objectKey });
        const downloaded = await tab.evaluate(async (url) => {
          const response = await fetch(url);
          const digest = await crypto.subtle.digest('SHA-256', await response.arrayBuffer());
          return { status: response.status, type: response.headers.get('content-type'), sha256: [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('') };
        }, getUrl);
        expect(downloaded).toEqual({ status: 200, type: 'image/png', sha256: sha256(bytes) });
      }

    } finally {
      await tab.close();
    }
  });

  it('a page on an origin the CORS rules do not list cannot upload (the preflight fails), and nothing is stored', async () => {
    const objectKey = key('blocked.png');
    const putUrl = await presignPut(objectKey, 'image/png', 4);
    const otherOrigin = pageOrigin.replace('127.0.0.1', 'localhost');
    const tab = await browser.newPage();
    try {
      await tab.goto(`${otherOrigin}/`);
      const outcome = await tab.evaluate(async (url) => {
        try {
          const response = await fetch(url, { method: 'PUT', body: new Uint8Array([1, 2, 3, 4]), headers: { 'content-type': 'image/png' } });
          return `status ${response.status}`;
        } catch (error) {
          return (error as Error).name;
        }
      }, putUrl);
      expect(outcome).toBe('TypeError');
    } finally {
      await tab.close();
    }
    expect(await s3.invoke('Uploader', { op: 'head', key: objectKey })).toMatchObject({ ok: false, status: 404 });
  });
});
