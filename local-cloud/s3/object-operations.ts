import type { IncomingHttpHeaders } from 'node:http';
import { checksumHeaders, md5Hex, verifyChecksums } from './checksums.js';
import { invalidArgument, invalidRequest, noSuchKey, preconditionFailed, S3Error } from './errors.js';
import type { ObjectMetadata, ObjectStore, StoredHeaders, StoredObject } from './object-store.js';
import { parseTagging, xmlDocument } from './xml.js';

/** What an operation answers: status, headers and body (none for HEAD). */
export interface S3Response {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

/** S3 encrypts every new object at rest (SSE-S3) and says so on every object answer. */
const ENCRYPTION = { 'x-amz-server-side-encryption': 'AES256' };
/** S3's content type for an object stored without one. */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
/** S3's largest single PUT: 5 GiB. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;
const MAX_TAGS = 10;

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/** The object headers of a PUT (or the fields of a POST form, by lower-case name). */
export function storedHeadersOf(get: (name: string) => string | undefined): StoredHeaders {
  const encoding = get('content-encoding')
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part !== 'aws-chunked')
    .join(', ');
  const stored: StoredHeaders = { contentType: get('content-type') || DEFAULT_CONTENT_TYPE };
  const cacheControl = get('cache-control');
  const disposition = get('content-disposition');
  const language = get('content-language');
  const expires = get('expires');
  if (cacheControl) stored.cacheControl = cacheControl;
  if (disposition) stored.contentDisposition = disposition;
  if (encoding) stored.contentEncoding = encoding;
  if (language) stored.contentLanguage = language;
  if (expires) stored.expires = expires;
  return stored;
}

export function userMetadataOf(entries: Iterable<[string, string | string[] | undefined]>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (name.toLowerCase().startsWith('x-amz-meta-') && value !== undefined) metadata[name.toLowerCase().slice('x-amz-meta-'.length)] = String(value);
  }
  return metadata;
}

/** `x-amz-tagging: k1=v1&k2=v2` (URL query encoding). */
export function tagsFromQueryText(text: string | undefined): [string, string][] {
  if (!text) return [];
  return checkTags([...new URLSearchParams(text)]);
}

export function checkTags(tags: [string, string][]): [string, string][] {
  if (tags.length > MAX_TAGS) throw new S3Error(400, 'BadRequest', 'Object tags cannot be greater than 10');
  const keys = new Set<string>();
  for (const [key, value] of tags) {
    if (key.length === 0 || key.length > 128 || value.length > 256) throw new S3Error(400, 'InvalidTag', 'The TagKey you have provided is invalid');
    if (keys.has(key)) throw new S3Error(400, 'InvalidTag', 'Cannot provide multiple Tags with the same key');
    keys.add(key);
  }
  return tags;
}

/** Conditional writes: `If-None-Match: *` (only if absent) and `If-Match: "etag"` (only if unchanged). */
function checkWriteConditions(headers: IncomingHttpHeaders, existing: StoredObject | undefined, key: string): void {
  const ifNoneMatch = header(headers, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw new S3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', { Header: 'If-None-Match' });
    if (existing) throw preconditionFailed('If-None-Match');
  }
  const ifMatch = header(headers, 'if-match');
  if (ifMatch !== undefined) {
    if (!existing) throw noSuchKey(key);
    if (!etagMatches(ifMatch, existing.etag)) throw preconditionFailed('If-Match');
  }
}

const etagMatches = (list: string, etag: string): boolean =>
  list.split(',').some((candidate) => {
    const trimmed = candidate.trim();
    return trimmed === '*' || trimmed === etag || `"${trimmed}"` === etag;
  });

export interface NewObject {
  key: string;
  body: Buffer;
  headers: StoredHeaders;
  userMetadata: Record<string, string>;
  tags: [string, string][];
  /** Checksums given with the upload, verified against the body already. */
  checksums: ObjectMetadata['checksums'];
}

export function storeObject(store: ObjectStore, bucket: string, object: NewObject, now: Date): ObjectMetadata {
  if (object.body.length > MAX_PUT_BYTES) {
    throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: object.body.length, MaxSizeAllowed: MAX_PUT_BYTES });
  }
  const metadata: ObjectMetadata = {
    key: object.key,
    size: object.body.length,
    etag: `"${md5Hex(object.body)}"`,
    lastModified: now.toISOString(),
    headers: object.headers,
    userMetadata: object.userMetadata,
    checksums: object.checksums,
    tags: object.tags,
  };
  store.put(bucket, metadata, object.body);
  return metadata;
}

export function putObject(store: ObjectStore, bucket: string, key: string, headers: IncomingHttpHeaders, body: Buffer, trailer: Record<string, string>, now: Date): S3Response {
  checkWriteConditions(headers, store.get(bucket, key), key);
  const checksums = verifyChecksums(headers, body, trailer);
  const stored = storeObject(
    store,
    bucket,
    {
      key,
      body,
      headers: storedHeadersOf((name) => header(headers, name)),
      userMetadata: userMetadataOf(Object.entries(headers)),
      tags: tagsFromQueryText(header(headers, 'x-amz-tagging')),
      checksums,
    },
    now,
  );
  return { status: 200, headers: { etag: stored.etag, ...ENCRYPTION, ...checksumHeaders(checksums) } };
}

/** `x-amz-copy-source: /bucket/key` (or `bucket/key`), URL-encoded. */
export function parseCopySource(value: string): { bucket: string; key: string } {
  const decoded = decodeURIComponent(value.split('?')[0]!).replace(/^\//, '');
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', value);
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

export function copyObject(store: ObjectStore, source: StoredObject & { bucket: string }, bucket: string, key: string, headers: IncomingHttpHeaders, now: Date): S3Response {
  const replace = header(headers, 'x-amz-metadata-directive') === 'REPLACE';
  if (!replace && source.bucket === bucket && source.key === key) {
    throw invalidRequest(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const tagsDirective = header(headers, 'x-amz-tagging-directive') === 'REPLACE';
  const stored = storeObject(
    store,
    bucket,
    {
      key,
      body: source.body(),
      headers: replace ? storedHeadersOf((name) => header(headers, name)) : source.headers,
      userMetadata: replace ? userMetadataOf(Object.entries(headers)) : source.userMetadata,
      tags: tagsDirective ? tagsFromQueryText(header(headers, 'x-amz-tagging')) : source.tags,
      checksums: source.checksums,
    },
    now,
  );
  return {
    status: 200,
    headers: { 'content-type': 'application/xml', ...ENCRYPTION },
    body: xmlDocument('CopyObjectResult', { LastModified: stored.lastModified, ETag: stored.etag }),
  };
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

function objectHeaders(object: StoredObject, query: Map<string, string>, headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {
    'content-type': object.headers.contentType,
    etag: object.etag,
    'last-modified': new Date(object.lastModified).toUTCString(),
    'accept-ranges': 'bytes',
    ...ENCRYPTION,
  };
  if (object.headers.cacheControl) result['cache-control'] = object.headers.cacheControl;
  if (object.headers.contentDisposition) result['content-disposition'] = object.headers.contentDisposition;
  if (object.headers.contentEncoding) result['content-encoding'] = object.headers.contentEncoding;
  if (object.headers.contentLanguage) result['content-language'] = object.headers.contentLanguage;
  if (object.headers.expires) result.expires = object.headers.expires;
  for (const [name, value] of Object.entries(object.userMetadata)) result[`x-amz-meta-${name}`] = value;
  if (object.tags.length > 0) result['x-amz-tagging-count'] = String(object.tags.length);
  if (header(headers, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') Object.assign(result, checksumHeaders(object.checksums));
  for (const [parameter, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = query.get(parameter);
    if (value !== undefined) result[name] = value;
  }
  return result;
}

/** `If-Match`, `If-None-Match`, `If-Modified-Since`, `If-Unmodified-Since` of a read, as S3 orders them. */
function readConditions(object: StoredObject, headers: IncomingHttpHeaders): 304 | undefined {
  const ifMatch = header(headers, 'if-match');
  const ifNoneMatch = header(headers, 'if-none-match');
  const modified = new Date(object.lastModified).getTime();
  const ifUnmodifiedSince = header(headers, 'if-unmodified-since');
  const ifModifiedSince = header(headers, 'if-modified-since');
  if (ifMatch !== undefined && !etagMatches(ifMatch, object.etag)) throw preconditionFailed('If-Match');
  if (ifMatch === undefined && ifUnmodifiedSince !== undefined && modified > Date.parse(ifUnmodifiedSince) + 999) throw preconditionFailed('If-Unmodified-Since');
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, object.etag)) return 304;
  if (ifNoneMatch === undefined && ifModifiedSince !== undefined && modified <= Date.parse(ifModifiedSince) + 999) return 304;
  return undefined;
}

/** A single `Range: bytes=a-b` / `bytes=a-` / `bytes=-n`; S3 ignores a multi-range header. */
function rangeOf(value: string | undefined, size: number): { start: number; end: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  let start: number;
  let end: number;
  if (first === '') {
    start = Math.max(0, size - Number(last));
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  }
  if (start >= size || start > end) {
    throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', { RangeRequested: value, ActualObjectSize: size });
  }
  return { start, end };
}

export function getObject(object: StoredObject, query: Map<string, string>, headers: IncomingHttpHeaders, method: 'GET' | 'HEAD'): S3Response {
  const responseHeaders = objectHeaders(object, query, headers);
  if (readConditions(object, headers) === 304) {
    const { etag, 'last-modified': lastModified } = responseHeaders;
    return { status: 304, headers: { etag: etag!, 'last-modified': lastModified! } };
  }
  const range = rangeOf(header(headers, 'range'), object.size);
  if (!range) {
    return { status: 200, headers: { ...responseHeaders, 'content-length': String(object.size) }, ...(method === 'GET' ? { body: object.body() } : {}) };
  }
  const length = range.end - range.start + 1;
  // A part of the object has no checksum of its own.
  for (const name of Object.keys(responseHeaders)) if (name.startsWith('x-amz-checksum-')) delete responseHeaders[name];
  return {
    status: 206,
    headers: { ...responseHeaders, 'content-length': String(length), 'content-range': `bytes ${range.start}-${range.end}/${object.size}` },
    ...(method === 'GET' ? { body: object.body().subarray(range.start, range.end + 1) } : {}),
  };
}

export function getObjectTagging(object: StoredObject): S3Response {
  return {
    status: 200,
    headers: { 'content-type': 'application/xml' },
    body: xmlDocument('Tagging', { TagSet: { Tag: object.tags.map(([Key, Value]) => ({ Key, Value })) } }),
  };
}

export function putObjectTagging(store: ObjectStore, bucket: string, key: string, body: Buffer): S3Response {
  let tags: [string, string][];
  try {
    tags = parseTagging(body.toString('utf8'));
  } catch {
    throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  if (!store.setTags(bucket, key, checkTags(tags))) throw noSuchKey(key);
  return { status: 200, headers: {} };
}

export function requireBody(body: Buffer, what: string): void {
  if (body.length === 0) throw invalidRequest(`${what} requires a request body`);
}
