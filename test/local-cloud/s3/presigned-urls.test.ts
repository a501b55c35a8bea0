import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ErrorOf, type S3FixtureCloud, sha256, startS3FixtureCloud } from './fixture-cloud.js';

/**
 * Presigned URLs made inside a local function with the real SDK and presigner, used by a client
 * on the machine with plain HTTP (what a phone or browser does): the bytes go in and out
 * unchanged, and every way of stepping outside what was signed is refused with S3's error.
 */

let s3: S3FixtureCloud;
let counter = 0;
const key = (name: string) => `uploads/${process.pid}-${++counter}/${name}`;

beforeAll(async () => {
  s3 = await startS3FixtureCloud();
});
afterAll(async () => {
  await s3?.stop();
});

const presignPut = (objectKey: string, contentType: string, size: number, extra: { expiresIn?: number; signingDate?: string } = {}) =>
  s3.value<string>('Uploader', { op: 'presignPut', key: objectKey, contentType, size, ...extra });

const exists = async (objectKey: string): Promise<boolean> => {
  const listed = await s3.admin.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: objectKey }));
  return (listed.Contents ?? []).some((object) => object.Key === objectKey);
};

describe('presigned PUT then presigned GET', () => {
  it('stores exactly the uploaded bytes and serves them back (same hash, type and size)', async () => {
    const bytes = randomBytes(300_000);
    const objectKey = key('photo one.png');
    const url = await presignPut(objectKey, 'image/png', bytes.length);
    expect(new URL(url).origin).toBe(s3.cloud.s3Endpoint);
    expect(new URL(url).pathname.startsWith(`/${s3.bucket}/`)).toBe(true);

    const put = await fetch(url, { method: 'PUT', body: bytes, headers: { 'content-type': 'image/png' } });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);

    const head = await s3.admin.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: objectKey }));
    expect(head.ContentLength).toBe(bytes.length);
    expect(head.ContentType).toBe('image/png');
    expect(head.ServerSideEncryption).toBe('AES256');

    const download = await fetch(await s3.value<string>('Uploader', { op: 'presignGet', key: objectKey }));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-length')).toBe(String(bytes.length));
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(bytes));
  });

  it('GET overrides Content-Disposition and Content-Type when the URL was signed with them', async () => {
    const objectKey = key('page.html');
    const html = Buffer.from('<script>alert(1)</script>');
    expect((await fetch(await presignPut(objectKey, 'text/html', html.length), { method: 'PUT', body: html, headers: { 'content-type': 'text/html' } })).status).toBe(200);

    const url = await s3.value<string>('Uploader', {
      op: 'presignGet',
      key: objectKey,
      disposition: 'attachment; filename="page.html"',
      contentType: 'application/octet-stream',
    });
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="page.html"');
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await download.arrayBuffer())).toEqual(html);

    // The override is part of the signature: dropping it from the URL breaks the URL.
    const stripped = new URL(url);
    stripped.searchParams.delete('response-content-disposition');
    expect(await s3ErrorOf(await fetch(stripped))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('a range request (a video player) gets 206 with the slice asked for', async () => {
    const bytes = randomBytes(10_000);
    const objectKey = key('clip.mp4');
    await fetch(await presignPut(objectKey, 'video/mp4', bytes.length), { method: 'PUT', body: bytes, headers: { 'content-type': 'video/mp4' } });
    const part = await fetch(await s3.value<string>('Uploader', { op: 'presignGet', key: objectKey }), { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));
  });
});

describe('a presigned PUT refuses what was not signed, and stores nothing', () => {
  const bytes = randomBytes(1_000);

  it('another size: 403 SignatureDoesNotMatch', async () => {
    const objectKey = key('size.png');
    const url = await presignPut(objectKey, 'image/png', bytes.length);
    for (const body of [Buffer.concat([bytes, Buffer.from('x')]), bytes.subarray(1)]) {
      const refused = await s3ErrorOf(await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'image/png' } }));
      expect(refused).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      expect(refused.message).toBe('The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    expect(await exists(objectKey)).toBe(false);
  });

  it('another content type, or none: 403 SignatureDoesNotMatch', async () => {
    const objectKey = key('type.png');
    const url = await presignPut(objectKey, 'image/png', bytes.length);
    expect(await s3ErrorOf(await fetch(url, { method: 'PUT', body: bytes, headers: { 'content-type': 'text/html' } }))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await s3ErrorOf(await fetch(url, { method: 'PUT', body: bytes }))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await exists(objectKey)).toBe(false);
  });

  it('an expired URL: 403 AccessDenied "Request has expired"', async () => {
    const objectKey = key('late.png');
    const signedAnHourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const url = await presignPut(objectKey, 'image/png', bytes.length, { expiresIn: 900, signingDate: signedAnHourAgo });
    const refused = await s3ErrorOf(await fetch(url, { method: 'PUT', body: bytes, headers: { 'content-type': 'image/png' } }));
    expect(refused).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Request has expired' });
    expect(refused.body).toContain('<X-Amz-Expires>900</X-Amz-Expires>');
    expect(await exists(objectKey)).toBe(false);
  });

  it('a tampered URL (another key, a longer expiry, a changed signature): 403 SignatureDoesNotMatch', async () => {
    const objectKey = key('tamper.png');
    const url = new URL(await presignPut(objectKey, 'image/png', bytes.length));
    const otherKey = new URL(url);
    otherKey.pathname = otherKey.pathname.replace('tamper.png', 'other.png');
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    const signature = new URL(url);
    const original = signature.searchParams.get('X-Amz-Signature')!;
    signature.searchParams.set('X-Amz-Signature', `${original.slice(0, -1)}${original.endsWith('0') ? '1' : '0'}`);
    for (const tampered of [otherKey, longer, signature]) {
      const refused = await s3ErrorOf(await fetch(tampered, { method: 'PUT', body: bytes, headers: { 'content-type': 'image/png' } }));
      expect(refused, tampered.toString()).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    }
    expect(await exists(objectKey)).toBe(false);
    expect(await exists(objectKey.replace('tamper.png', 'other.png'))).toBe(false);
  });

  it('no signature at all: 403 AccessDenied (the bucket is private)', async () => {
    const objectKey = key('anonymous.png');
    const bare = new URL(await presignPut(objectKey, 'image/png', bytes.length));
    bare.search = '';
    expect(await s3ErrorOf(await fetch(bare, { method: 'PUT', body: bytes }))).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Access Denied' });
    expect(await s3ErrorOf(await fetch(bare))).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(await exists(objectKey)).toBe(false);
  });
});

describe('presigned POST (a browser form upload with a policy)', () => {
  interface PresignedPost {
    url: string;
    fields: Record<string, string>;
  }
  const presignPost = (objectKey: string, contentType: string, minBytes: number, maxBytes: number) =>
    s3.value<PresignedPost>('Uploader', { op: 'presignPost', key: objectKey, contentType, minBytes, maxBytes });
  const form = (post: PresignedPost, file: Buffer, change: Record<string, string> = {}) => {
    const data = new FormData();
    for (const [name, value] of Object.entries({ ...post.fields, ...change })) data.append(name, value);
    data.append('file', new Blob([file]), 'upload.bin');
    return data;
  };

  it('stores a file within content-length-range, with the policy content type', async () => {
    const objectKey = key('form.jpg');
    const post = await presignPost(objectKey, 'image/jpeg', 1, 5_000);
    expect(post.url).toBe(`${s3.cloud.s3Endpoint}/${s3.bucket}`);
    const bytes = randomBytes(5_000);
    const response = await fetch(post.url, { method: 'POST', body: form(post, bytes) });
    expect(response.status).toBe(204);
    const download = await fetch(await s3.value<string>('Uploader', { op: 'presignGet', key: objectKey }));
    expect(download.headers.get('content-type')).toBe('image/jpeg');
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(bytes));
  });

  it('refuses a file above or below the range (EntityTooLarge / EntityTooSmall) and stores nothing', async () => {
    const objectKey = key('range.jpg');
    const post = await presignPost(objectKey, 'image/jpeg', 10, 5_000);
    const large = await s3ErrorOf(await fetch(post.url, { method: 'POST', body: form(post, randomBytes(5_001)) }));
    expect(large).toMatchObject({ status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' });
    expect(large.body).toContain('<ProposedSize>5001</ProposedSize><MaxSizeAllowed>5000</MaxSizeAllowed>');
    const small = await s3ErrorOf(await fetch(post.url, { method: 'POST', body: form(post, randomBytes(9)) }));
    expect(small).toMatchObject({ status: 400, code: 'EntityTooSmall' });
    expect(await exists(objectKey)).toBe(false);
  });

  it('refuses another content type, another key, an unsigned extra field and a forged policy', async () => {
    const objectKey = key('policy.jpg');
    const post = await presignPost(objectKey, 'image/jpeg', 1, 5_000);
    const bytes = randomBytes(100);
    const cases: [Record<string, string>, number, string, RegExp][] = [
      [{ 'Content-Type': 'text/html' }, 403, 'AccessDenied', /^Invalid according to Policy: Policy Condition failed: \["eq", "\$Content-Type", "image\/jpeg"\]$/],
      [{ key: `${objectKey}.html` }, 403, 'AccessDenied', /^Invalid according to Policy: Policy Condition failed: \["eq", "\$key", ".*policy\.jpg"\]$/],
      [{ 'x-amz-meta-evil': '1' }, 403, 'AccessDenied', /^Invalid according to Policy: Extra input fields: x-amz-meta-evil$/],
      [{ Policy: Buffer.from(JSON.stringify({ expiration: '2999-01-01T00:00:00Z', conditions: [['starts-with', '$key', '']] })).toString('base64') }, 403, 'SignatureDoesNotMatch', /signature we calculated does not match/],
    ];
    for (const [change, status, code, message] of cases) {
      const refused = await s3ErrorOf(await fetch(post.url, { method: 'POST', body: form(post, bytes, change) }));
      expect(refused, JSON.stringify(change)).toMatchObject({ status, code });
      expect(refused.message).toMatch(message);
    }
    expect(await exists(objectKey)).toBe(false);
    expect(await exists(`${objectKey}.html`)).toBe(false);
  });
});

describe('handler calls through the SDK', () => {
  it('PutObject, GetObject, HeadObject, ListObjectsV2, then DeleteObject removes the object', async () => {
    const objectKey = key('note.txt');
    expect(await s3.value<string>('Uploader', { op: 'put', key: objectKey, text: 'hello', contentType: 'text/plain' })).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await s3.value('Uploader', { op: 'get', key: objectKey })).toEqual({ text: 'hello', contentType: 'text/plain' });
    expect(await s3.value('Uploader', { op: 'head', key: objectKey })).toMatchObject({ size: 5, contentType: 'text/plain' });
    expect(await s3.value('Uploader', { op: 'list', prefix: objectKey })).toEqual([objectKey]);

    expect(await s3.value('Uploader', { op: 'delete', key: objectKey })).toBeNull();
    expect(await exists(objectKey)).toBe(false);
    expect(await s3.invoke('Uploader', { op: 'head', key: objectKey })).toMatchObject({ ok: false, name: 'NotFound', status: 404 });
    expect(await s3.invoke('Uploader', { op: 'get', key: objectKey })).toMatchObject({ ok: false, name: 'NoSuchKey', status: 404 });
    // A URL presigned before the delete finds nothing either.
    expect(await s3ErrorOf(await fetch(await s3.value<string>('Uploader', { op: 'presignGet', key: objectKey })))).toMatchObject({ status: 404, code: 'NoSuchKey' });
    // Deleting what is gone succeeds, as in S3.
    expect(await s3.value('Uploader', { op: 'delete', key: objectKey })).toBeNull();
  });
});
