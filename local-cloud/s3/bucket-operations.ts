import type { CorsRule } from './cors.js';
import { invalidArgument, S3Error } from './errors.js';
import type { ObjectStore } from './object-store.js';
import type { S3Response } from './object-operations.js';
import { xmlDocument, type XmlElement } from './xml.js';

/** The bucket as the local S3 serves it: its name and the template's configuration it honours. */
export interface BucketConfig {
  name: string;
  cors?: CorsRule[];
  /** When the bucket was created (ListBuckets' `CreationDate`). */
  createdAt: string;
}

const xml = (root: string, body: XmlElement): S3Response => ({ status: 200, headers: { 'content-type': 'application/xml' }, body: xmlDocument(root, body) });

export const OWNER = { ID: '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a', DisplayName: 'local' };

export function listBuckets(buckets: readonly BucketConfig[]): S3Response {
  return xml('ListAllMyBucketsResult', {
    Owner: OWNER,
    Buckets: { Bucket: buckets.map((bucket) => ({ Name: bucket.name, CreationDate: bucket.createdAt })) },
  });
}

export function getBucketLocation(region: string): S3Response {
  // us-east-1 is the empty location constraint.
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region === 'us-east-1' ? '' : region}</LocationConstraint>`;
  return { status: 200, headers: { 'content-type': 'application/xml' }, body };
}

export function getBucketCors(bucket: BucketConfig): S3Response {
  if (!bucket.cors) throw new S3Error(404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist', { BucketName: bucket.name });
  return xml('CORSConfiguration', {
    CORSRule: bucket.cors.map((rule) => ({
      ID: rule.id,
      AllowedHeader: rule.allowedHeaders,
      AllowedMethod: rule.allowedMethods,
      AllowedOrigin: rule.allowedOrigins,
      ExposeHeader: rule.exposedHeaders,
      MaxAgeSeconds: rule.maxAgeSeconds,
    })),
  });
}

const MAX_KEYS = 1000;

function maxKeysOf(query: Map<string, string>): number {
  const text = query.get('max-keys');
  if (text === undefined) return MAX_KEYS;
  if (!/^\d+$/.test(text)) throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', text);
  return Math.min(Number(text), MAX_KEYS);
}

/** ListObjectsV2 (`list-type=2`) and the original ListObjects, keys in UTF-8 order. */
export function listObjects(store: ObjectStore, bucket: string, query: Map<string, string>, version: 1 | 2): S3Response {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const maxKeys = maxKeysOf(query);
  const urlEncoded = query.get('encoding-type') === 'url';
  if (query.has('encoding-type') && !urlEncoded) throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', query.get('encoding-type')!);
  const encode = (text: string): string => (urlEncoded ? encodeURIComponent(text).replace(/%2F/g, '/') : text);

  let startAfter: string | undefined;
  const continuationToken = query.get('continuation-token');
  if (version === 2) {
    if (continuationToken !== undefined) {
      startAfter = Buffer.from(continuationToken, 'base64url').toString('utf8');
      if (continuationToken === '' || !startAfter.startsWith('\u0001')) throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', continuationToken);
      startAfter = startAfter.slice(1);
    } else {
      startAfter = query.get('start-after') || undefined;
    }
  } else {
    startAfter = query.get('marker') || undefined;
  }
  const page = store.list(bucket, { prefix, maxKeys, ...(delimiter ? { delimiter } : {}), ...(startAfter !== undefined ? { startAfter } : {}) });
  const contents = page.objects.map((object) => ({
    Key: encode(object.key),
    LastModified: object.lastModified,
    ETag: object.etag,
    ...(Object.keys(object.checksums).length > 0 ? { ChecksumAlgorithm: Object.keys(object.checksums).map((name) => name.toUpperCase()), ChecksumType: 'FULL_OBJECT' } : {}),
    Size: object.size,
    ...(version === 1 || query.get('fetch-owner') === 'true' ? { Owner: OWNER } : {}),
    StorageClass: 'STANDARD',
  }));
  const common = {
    Name: bucket,
    Prefix: encode(prefix),
    ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
    MaxKeys: maxKeys,
    ...(urlEncoded ? { EncodingType: 'url' } : {}),
    IsTruncated: page.truncated,
  };
  const tail = { Contents: contents, CommonPrefixes: page.commonPrefixes.map((commonPrefix) => ({ Prefix: encode(commonPrefix) })) };
  if (version === 2) {
    return xml('ListBucketResult', {
      ...common,
      KeyCount: contents.length + page.commonPrefixes.length,
      ...(continuationToken !== undefined ? { ContinuationToken: continuationToken } : {}),
      ...(page.truncated && page.lastKey !== undefined ? { NextContinuationToken: Buffer.from(`\u0001${page.lastKey}`).toString('base64url') } : {}),
      ...(query.get('start-after') ? { StartAfter: encode(query.get('start-after')!) } : {}),
      ...tail,
    });
  }
  return xml('ListBucketResult', {
    ...common,
    Marker: encode(query.get('marker') ?? ''),
    ...(page.truncated && delimiter && page.lastKey !== undefined ? { NextMarker: encode(page.lastKey.replace(/\u{10FFFF}$/u, '')) } : {}),
    ...tail,
  });
}

export function deleteResult(deleted: string[], errors: { key: string; code: string; message: string }[], quiet: boolean): S3Response {
  return xml('DeleteResult', {
    Deleted: quiet ? [] : deleted.map((Key) => ({ Key })),
    Error: errors.map((error) => ({ Key: error.key, Code: error.code, Message: error.message })),
  });
}
