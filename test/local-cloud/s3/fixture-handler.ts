import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/**
 * A Lambda handler of the S3 fixture stack, written as handler code is written for AWS: the
 * client takes its endpoint, region and credentials from the environment Lambda (or the local
 * cloud) gives it. Tests invoke it to presign URLs and to make S3 calls as the function.
 */

// No checksum of an empty body baked into presigned PUT URLs (the SDK's default since 3.729).
const s3 = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
const Bucket = process.env.BUCKET_NAME!;

export type FixtureEvent =
  | { op: 'presignPut'; key: string; contentType: string; size: number; expiresIn?: number; signingDate?: string }
  | { op: 'presignGet'; key: string; disposition?: string; contentType?: string; expiresIn?: number }
  | { op: 'presignPost'; key: string; contentType: string; minBytes: number; maxBytes: number }
  | { op: 'put'; key: string; text: string; contentType: string }
  | { op: 'get'; key: string }
  | { op: 'head'; key: string }
  | { op: 'delete'; key: string }
  | { op: 'list'; prefix?: string };

export type FixtureResult = { ok: true; value: unknown } | { ok: false; name: string; status?: number; message: string };

async function run(event: FixtureEvent): Promise<unknown> {
  switch (event.op) {
    case 'presignPut':
      return getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: event.key, ContentType: event.contentType, ContentLength: event.size }), {
        expiresIn: event.expiresIn ?? 900,
        // Content-Type is not signed unless asked for; Content-Length is.
        signableHeaders: new Set(['content-type']),
        ...(event.signingDate ? { signingDate: new Date(event.signingDate) } : {}),
      });
    case 'presignGet':
      return getSignedUrl(
        s3,
        new GetObjectCommand({
          Bucket,
          Key: event.key,
          ...(event.disposition ? { ResponseContentDisposition: event.disposition } : {}),
          ...(event.contentType ? { ResponseContentType: event.contentType } : {}),
        }),
        { expiresIn: event.expiresIn ?? 900 },
      );
    case 'presignPost':
      return createPresignedPost(s3, {
        Bucket,
        Key: event.key,
        Conditions: [
          ['content-length-range', event.minBytes, event.maxBytes],
          ['eq', '$Content-Type', event.contentType],
        ],
        Fields: { 'Content-Type': event.contentType },
        Expires: 900,
      });
    case 'put':
      return (await s3.send(new PutObjectCommand({ Bucket, Key: event.key, Body: event.text, ContentType: event.contentType }))).ETag;
    case 'get': {
      const object = await s3.send(new GetObjectCommand({ Bucket, Key: event.key }));
      return { text: await object.Body!.transformToString(), contentType: object.ContentType };
    }
    case 'head': {
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key: event.key }));
      return { size: head.ContentLength, contentType: head.ContentType, etag: head.ETag };
    }
    case 'delete':
      await s3.send(new DeleteObjectCommand({ Bucket, Key: event.key }));
      return null;
    case 'list':
      return ((await s3.send(new ListObjectsV2Command({ Bucket, ...(event.prefix ? { Prefix: event.prefix } : {}) }))).Contents ?? []).map((object) => object.Key);
  }
}

export async function handler(event: FixtureEvent | { requestContext?: unknown }): Promise<FixtureResult | { statusCode: number }> {
  if (!('op' in event)) return { statusCode: 200 };
  try {
    return { ok: true, value: await run(event) };
  } catch (error) {
    const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return { ok: false, name: failure.name ?? 'Error', message: failure.message ?? String(error), ...(failure.$metadata?.httpStatusCode ? { status: failure.$metadata.httpStatusCode } : {}) };
  }
}
