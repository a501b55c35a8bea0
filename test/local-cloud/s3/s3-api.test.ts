import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningS3, type S3Call, startS3Server } from '../../../local-cloud/s3/s3-server.js';

/**
 * The local S3 on its own, driven by the real SDK client (header-signed requests): what SigV4,
 * S3's integrity checks and its listing rules do to calls a handler makes.
 */

const REGION = 'us-east-1';
const BUCKET = 'fixture-bucket';
const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'secret-of-the-test' };
let server: RunningS3;
let client: S3Client;
const calls: S3Call[] = [];

const clientWith = (overrides: Partial<ConstructorParameters<typeof S3Client>[0]> = {}) =>
  new S3Client({ endpoint: server.endpoint, region: REGION, credentials, ...overrides });

const failure = async (promise: Promise<unknown>): Promise<S3ServiceException> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(S3ServiceException);
  return error as S3ServiceException;
};

beforeAll(async () => {
  server = await startS3Server({
    region: REGION,
    buckets: [{ name: BUCKET }],
    credentials: new Map([[credentials.accessKeyId, credentials.secretAccessKey]]),
    authorize: (call) => {
      calls.push(call);
      return call.key?.startsWith('forbidden/') ? 'Access Denied' : undefined;
    },
  });
  client = clientWith();
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

describe('SigV4 on header-signed requests', () => {
  it('refuses a wrong secret (SignatureDoesNotMatch), an unknown key (InvalidAccessKeyId) and another region', async () => {
    const put = new PutObjectCommand({ Bucket: BUCKET, Key: 'sig.txt', Body: 'x' });
    expect((await failure(clientWith({ credentials: { ...credentials, secretAccessKey: 'wrong' } }).send(put))).name).toBe('SignatureDoesNotMatch');
    expect((await failure(clientWith({ credentials: { ...credentials, accessKeyId: 'AKIDNOBODY' } }).send(put))).name).toBe('InvalidAccessKeyId');
    const wrongRegion = await failure(clientWith({ region: 'eu-west-1' }).send(put));
    expect(wrongRegion.name).toBe('AuthorizationHeaderMalformed');
    expect(wrongRegion.message).toBe("The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'");
  });

  it('accepts virtual-hosted addressing ({bucket}.localhost) as well as path style', async () => {
    const hosted = new S3Client({ endpoint: server.endpoint.replace('127.0.0.1', 'localhost'), region: REGION, credentials });
    // Node does not resolve *.localhost; send to 127.0.0.1 with the virtual host's Host header.
    hosted.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { hostname: string; headers: Record<string, string> };
        request.headers.host = `${request.hostname}:${server.port}`;
        request.hostname = '127.0.0.1';
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await hosted.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'hosted/a.txt', Body: 'virtual' }));
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'hosted/a.txt' }));
    expect(await object.Body!.transformToString()).toBe('virtual');
    hosted.destroy();
  });

  it('names the signer, operation, bucket and key to the authorizer, and refuses with AccessDenied', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'authz.txt', Body: 'x', Tagging: 'a=1' }));
    expect(calls.at(-1)).toEqual({ accessKeyId: credentials.accessKeyId, operation: 'PutObject', bucket: BUCKET, key: 'authz.txt', tagging: true });
    const refused = await failure(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'forbidden/x.txt', Body: 'x' })));
    expect(refused.name).toBe('AccessDenied');
    expect(refused.$metadata.httpStatusCode).toBe(403);
  });
});

describe('integrity', () => {
  it('stores the SDK default CRC32 and refuses a body that does not match a given checksum or Content-MD5 (BadDigest)', async () => {
    const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'sum.txt', Body: 'hello' }));
    expect(put.ChecksumCRC32).toBe('NhCmhg==');
    const badCrc = await failure(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad.txt', Body: 'hello', ChecksumCRC32: 'AAAAAA==' })));
    expect(badCrc.name).toBe('BadDigest');
    const badMd5 = await failure(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad.txt', Body: 'hello', ContentMD5: Buffer.alloc(16).toString('base64') })));
    expect(badMd5.name).toBe('BadDigest');
    const badSha = await failure(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad.txt', Body: 'hello', ChecksumSHA256: Buffer.alloc(32).toString('base64') })));
    expect(badSha.name).toBe('BadDigest');
    expect(await failure(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'bad.txt' })))).toMatchObject({ name: 'NoSuchKey' });
  });

  it('CRC32C, CRC64NVME and SHA-1 checksums computed by the SDK verify', async () => {
    for (const ChecksumAlgorithm of ['CRC32C', 'CRC64NVME', 'SHA1'] as const) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `algo/${ChecksumAlgorithm}`, Body: 'The quick brown fox', ChecksumAlgorithm }));
    }
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'algo/CRC64NVME', ChecksumMode: 'ENABLED' }));
    expect(await object.Body!.transformToString()).toBe('The quick brown fox');
    expect(object.ChecksumCRC64NVME).toBeDefined();
  });

  it('If-None-Match: * writes only once (412 PreconditionFailed for the second writer)', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once.txt', Body: 'first', IfNoneMatch: '*' }));
    const second = await failure(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once.txt', Body: 'second', IfNoneMatch: '*' })));
    expect(second.name).toBe('PreconditionFailed');
    expect(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'once.txt' }))).Body!.transformToString()).toBe('first');
  });
});

describe('listing, deleting, copying, tagging', () => {
  it('ListObjectsV2 pages in key order with delimiter groups', async () => {
    const keys = ['list/a/1', 'list/a/2', 'list/b', 'list/c/1', 'list/d'];
    for (const key of [...keys].reverse()) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(page.CommonPrefixes ?? []).map((prefix) => `${prefix.Prefix!}*`), ...(page.Contents ?? []).map((object) => object.Key!));
      token = page.NextContinuationToken;
    } while (token);
    expect(seen.sort()).toEqual(['list/a/*', 'list/b', 'list/c/*', 'list/d']);
    const all = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/' }));
    expect(all.Contents!.map((object) => object.Key)).toEqual(keys);
    expect(all.KeyCount).toBe(5);
  });

  it('DeleteObjects deletes each allowed key and reports a refused one', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'del/1', Body: '1' }));
    const result = await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'del/1' }, { Key: 'del/never' }, { Key: 'forbidden/2' }] } }));
    expect(result.Deleted!.map((deleted) => deleted.Key)).toEqual(['del/1', 'del/never']);
    expect(result.Errors).toEqual([{ Key: 'forbidden/2', Code: 'AccessDenied', Message: 'Access Denied' }]);
    expect(await failure(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'del/1' })))).toMatchObject({ name: 'NoSuchKey' });
  });

  it('CopyObject copies bytes, type and tags; the authorizer sees the source', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'pending/x.png', Body: 'png', ContentType: 'image/png', Tagging: 'state=pending' }));
    await client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'final/x.png', CopySource: `${BUCKET}/pending/x.png` }));
    expect(calls.at(-1)).toMatchObject({ operation: 'CopyObject', key: 'final/x.png', copySource: { bucket: BUCKET, key: 'pending/x.png' } });
    const copy = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'final/x.png' }));
    expect([await copy.Body!.transformToString(), copy.ContentType, copy.TagCount]).toEqual(['png', 'image/png', 1]);
    expect((await client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'final/x.png' }))).TagSet).toEqual([{ Key: 'state', Value: 'pending' }]);
  });

  it('an unknown bucket is NoSuchBucket; HeadBucket names the region', async () => {
    expect((await failure(client.send(new GetObjectCommand({ Bucket: 'nobody-bucket', Key: 'x' })))).name).toBe('NoSuchBucket');
    const head = await client.send(new HeadBucketCommand({ Bucket: BUCKET }));
    expect(head.BucketRegion).toBe(REGION);
  });
});

describe('--data-dir', () => {
  it('keeps objects across a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 's3-data-'));
    const options = { region: REGION, buckets: [{ name: 'kept' }], credentials: new Map([[credentials.accessKeyId, credentials.secretAccessKey]]), dataDir };
    const first = await startS3Server(options);
    const firstClient = new S3Client({ endpoint: first.endpoint, region: REGION, credentials });
    await firstClient.send(new PutObjectCommand({ Bucket: 'kept', Key: 'a/b.txt', Body: 'survives', ContentType: 'text/plain' }));
    firstClient.destroy();
    await first.stop();

    const second = await startS3Server(options);
    const secondClient = new S3Client({ endpoint: second.endpoint, region: REGION, credentials });
    const object = await secondClient.send(new GetObjectCommand({ Bucket: 'kept', Key: 'a/b.txt' }));
    expect([await object.Body!.transformToString(), object.ContentType]).toEqual(['survives', 'text/plain']);
    secondClient.destroy();
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
