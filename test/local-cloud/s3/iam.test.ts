import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ErrorOf, type S3FixtureCloud, startS3FixtureCloud } from './fixture-cloud.js';

/**
 * The template's policies on the functions' S3 calls. `PutOnly` is granted CDK's `grantPut`
 * only: it may write objects, not read, list or delete them. As in AWS, a presigned URL carries
 * no permission of its own: it is authorized as its signer when it is used.
 */

let s3: S3FixtureCloud;
let counter = 0;
const key = (name: string) => `iam/${process.pid}-${++counter}/${name}`;
const quoted = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  s3 = await startS3FixtureCloud();
});
afterAll(async () => {
  await s3?.stop();
});

const role = () => s3.cloud.iam!.principal(s3.cloud.model.functions.find((fn) => fn.logicalId.startsWith('PutOnly'))!.logicalId);

describe('a role granted only s3:PutObject', () => {
  it('may upload, through the SDK and through a URL it presigned', async () => {
    const objectKey = key('allowed.txt');
    expect(await s3.invoke('PutOnly', { op: 'put', key: objectKey, text: 'mine', contentType: 'text/plain' })).toMatchObject({ ok: true });
    const bytes = randomBytes(64);
    const url = await s3.value<string>('PutOnly', { op: 'presignPut', key: key('allowed.bin'), contentType: 'application/octet-stream', size: bytes.length });
    expect((await fetch(url, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } })).status).toBe(200);
  });

  it('is refused GetObject, DeleteObject and ListObjectsV2 with S3 AccessDenied naming the action and the resource', async () => {
    const objectKey = key('private.txt');
    await s3.value('Uploader', { op: 'put', key: objectKey, text: 'secret', contentType: 'text/plain' });
    const objectArn = `arn:aws:s3:::${s3.bucket}/${objectKey}`;
    const expectations: [Parameters<S3FixtureCloud['invoke']>[1], string, string][] = [
      [{ op: 'get', key: objectKey }, 's3:GetObject', objectArn],
      [{ op: 'delete', key: objectKey }, 's3:DeleteObject', objectArn],
      [{ op: 'list' }, 's3:ListBucket', `arn:aws:s3:::${s3.bucket}`],
    ];
    for (const [event, action, resource] of expectations) {
      const result = await s3.invoke('PutOnly', event);
      expect(result, event.op).toMatchObject({ ok: false, name: 'AccessDenied', status: 403 });
      expect((result as { message: string }).message).toBe(
        `User: ${role().principalArn} is not authorized to perform: ${action} on resource: "${resource}" because no identity-based policy allows the ${action} action`,
      );
    }
    // Nothing was deleted.
    expect(await s3.value('Uploader', { op: 'get', key: objectKey })).toEqual({ text: 'secret', contentType: 'text/plain' });
    expect(role().principalArn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/S3Fixture-PutOnlyServiceRole[^/]*\/S3Fixture-PutOnly/);
    const denied = s3.cloud.iam!.denials.filter((denial) => denial.principal === role()).map((denial) => denial.request.action);
    expect(denied).toEqual(expect.arrayContaining(['s3:GetObject', 's3:DeleteObject', 's3:ListBucket']));
  });

  it('HeadObject is 403 (a HEAD answer has no body, so the SDK error has no S3 code)', async () => {
    const objectKey = key('head.txt');
    await s3.value('Uploader', { op: 'put', key: objectKey, text: 'x', contentType: 'text/plain' });
    expect(await s3.invoke('PutOnly', { op: 'head', key: objectKey })).toMatchObject({ ok: false, status: 403 });
  });
});

describe('a missing key, as S3 tells it', () => {
  it('is 404 to a role that may list the bucket, 403 naming s3:ListBucket to one that may only read objects', async () => {
    const missing = key('missing.txt');
    // CDK's grantRead includes s3:List* on the bucket.
    expect(await s3.invoke('Uploader', { op: 'head', key: missing })).toMatchObject({ ok: false, name: 'NotFound', status: 404 });
    expect(await s3.invoke('Uploader', { op: 'get', key: missing })).toMatchObject({ ok: false, name: 'NoSuchKey', status: 404 });

    const reader = s3.cloud.iam!.principal(s3.cloud.model.functions.find((fn) => fn.logicalId.startsWith('ReaderNoList'))!.logicalId);
    expect(await s3.invoke('ReaderNoList', { op: 'head', key: missing })).toMatchObject({ ok: false, status: 403 });
    expect(await s3.invoke('ReaderNoList', { op: 'get', key: missing })).toMatchObject({
      ok: false,
      name: 'AccessDenied',
      status: 403,
      message: `User: ${reader.principalArn} is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::${s3.bucket}" because no identity-based policy allows the s3:ListBucket action`,
    });
    // An object that exists it reads.
    const present = key('present.txt');
    await s3.value('Uploader', { op: 'put', key: present, text: 'here', contentType: 'text/plain' });
    expect(await s3.value('ReaderNoList', { op: 'get', key: present })).toEqual({ text: 'here', contentType: 'text/plain' });
  });

  it('a GET URL it presigned is refused when used, with the signer named; the same URL from a granted role works', async () => {
    const objectKey = key('photo.png');
    const bytes = randomBytes(256);
    const put = await s3.value<string>('Uploader', { op: 'presignPut', key: objectKey, contentType: 'image/png', size: bytes.length });
    expect((await fetch(put, { method: 'PUT', body: bytes, headers: { 'content-type': 'image/png' } })).status).toBe(200);

    // Presigning is local computation: the role's missing permission shows only when the URL is used.
    const url = await s3.value<string>('PutOnly', { op: 'presignGet', key: objectKey });
    const refused = await s3ErrorOf(await fetch(url));
    expect(refused).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(refused.message).toMatch(new RegExp(`^User: ${quoted(role().principalArn)} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::${quoted(s3.bucket)}/${quoted(objectKey)}"`));

    const allowed = await fetch(await s3.value<string>('Uploader', { op: 'presignGet', key: objectKey }));
    expect(allowed.status).toBe(200);
    expect(Buffer.from(await allowed.arrayBuffer())).toEqual(bytes);
  });

  it('a POST policy it signed uploads (s3:PutObject), and no other role is needed', async () => {
    const objectKey = key('form.png');
    const post = await s3.value<{ url: string; fields: Record<string, string> }>('PutOnly', { op: 'presignPost', key: objectKey, contentType: 'image/png', minBytes: 1, maxBytes: 100 });
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob([randomBytes(50)]));
    expect((await fetch(post.url, { method: 'POST', body: form })).status).toBe(204);
    expect(await s3.value('Uploader', { op: 'head', key: objectKey })).toMatchObject({ size: 50, contentType: 'image/png' });
  });
});

describe('signing keys', () => {
  it('a URL signed with a key S3 does not know is refused with InvalidAccessKeyId', async () => {
    const url = new URL(await s3.value<string>('Uploader', { op: 'presignGet', key: key('x') }));
    url.searchParams.set('X-Amz-Credential', url.searchParams.get('X-Amz-Credential')!.replace(/^[^/]+/, 'AKIAUNKNOWN'));
    expect(await s3ErrorOf(await fetch(url))).toMatchObject({ status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' });
  });

  it("a URL re-labelled with another function's key fails the signature (the secret is per key)", async () => {
    const url = new URL(await s3.value<string>('PutOnly', { op: 'presignGet', key: key('y') }));
    const uploaderKey = s3.cloud.iam!.principal(s3.cloud.model.functions.find((fn) => fn.logicalId.startsWith('Uploader'))!.logicalId).accessKeyId;
    url.searchParams.set('X-Amz-Credential', url.searchParams.get('X-Amz-Credential')!.replace(/^[^/]+/, uploaderKey));
    expect(await s3ErrorOf(await fetch(url))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });
});
