import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type BucketConfig,
  deleteResult,
  getBucketCors,
  getBucketLocation,
  listBuckets,
  listObjects,
} from './bucket-operations.js';
import { decodeAwsChunked, verifyChecksums } from './checksums.js';
import { corsHeaders, preflight } from './cors.js';
import { accessDenied, errorDocument, invalidRequest, noSuchBucket, noSuchKey, S3Error } from './errors.js';
import {
  copyObject,
  getObject,
  getObjectTagging,
  parseCopySource,
  putObject,
  putObjectTagging,
  type S3Response,
  storedHeadersOf,
  storeObject,
  userMetadataOf,
} from './object-operations.js';
import { ObjectStore } from './object-store.js';
import { verifyPostUpload } from './post-policy.js';
import { route, type RoutedRequest, type S3Operation } from './routing.js';
import { checkPayloadHash, type SignatureContext, verifySignature } from './sigv4.js';
import { parseDeleteRequest, parseTagging, xmlDocument } from './xml.js';

export type { BucketConfig } from './bucket-operations.js';
export type { S3Operation } from './routing.js';

/** One authenticated S3 call, as an access check (local IAM) sees it. */
export interface S3Call {
  /** Who signed it: the `Authorization` header's, the presigned URL's or the POST policy's access key. */
  accessKeyId: string;
  operation: S3Operation;
  bucket?: string;
  key?: string;
  /** CopyObject reads its source too. */
  copySource?: { bucket: string; key: string };
  /** The write also sets the object's tags (`x-amz-tagging`, a `tagging` form field). */
  tagging?: boolean;
}

/** The refusal message of a call IAM does not allow (S3 answers 403 `AccessDenied` with it), or undefined. */
export type S3Authorizer = (call: S3Call) => string | undefined;

export interface S3ServerOptions {
  region: string;
  buckets: readonly Omit<BucketConfig, 'createdAt'>[];
  /** Secret of each access key S3 knows; a request signed with any other key is refused. */
  credentials: ReadonlyMap<string, string>;
  authorize?: S3Authorizer;
  /** Keep objects in this folder across restarts; memory only when undefined. */
  dataDir?: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Test-only: S3's clock. */
  now?: () => Date;
}

export interface RunningS3 {
  /** `http://127.0.0.1:PORT`: path-style addressing, what the SDK uses for an IP endpoint. */
  endpoint: string;
  port: number;
  store: ObjectStore;
  buckets: ReadonlyMap<string, BucketConfig>;
  /** Requests answered so far, by operation (`Preflight` for CORS OPTIONS): what the bench prices. */
  readonly requestCounts: Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

const OBJECT_READS = new Set<S3Operation>(['GetObject', 'HeadObject', 'GetObjectTagging']);

/**
 * A local Amazon S3 on 127.0.0.1: the stack's buckets, the REST API the SDK and browsers use
 * (PutObject, presigned PUT/GET, POST form uploads, GetObject with ranges and response
 * overrides, HeadObject, DeleteObject(s), ListObjects(V2), CopyObject, object tagging), every
 * request's SigV4 signature verified, the bucket's CORS rules applied, errors in S3's XML.
 */
export async function startS3Server(options: S3ServerOptions): Promise<RunningS3> {
  const now = options.now ?? (() => new Date());
  const store = new ObjectStore(options.dataDir);
  const created = now().toISOString();
  const buckets = new Map<string, BucketConfig>();
  for (const bucket of options.buckets) {
    store.createBucket(bucket.name);
    buckets.set(bucket.name, { ...bucket, createdAt: created });
  }
  const signatures: SignatureContext = { secretOf: (key) => options.credentials.get(key), region: options.region, now };
  let endpoint = '';
  const requestCounts: Record<string, number> = {};

  const authorize = (call: S3Call): void => {
    const refusal = options.authorize?.(call);
    if (refusal !== undefined) throw accessDenied(refusal);
  };

  /** A missing key reads as 404 only to a caller that may list the bucket; to others it is 403, as in S3. */
  const missingKey = (accessKeyId: string, bucket: string, key: string): S3Error => {
    authorize({ accessKeyId, operation: 'ListObjectsV2', bucket });
    return noSuchKey(key);
  };

  async function serve(request: IncomingMessage, routed: RoutedRequest, bucket: BucketConfig | undefined, raw: Buffer): Promise<S3Response> {
    const { operation, key, query } = routed;
    const bucketName = bucket?.name;
    const headers = request.headers;

    if (operation === 'PostObject') {
      const upload = await verifyPostUpload(bucketName!, raw, header(headers, 'content-type') ?? '', signatures);
      const tagging = upload.fields.get('tagging');
      authorize({ accessKeyId: upload.accessKeyId, operation, bucket: bucketName!, key: upload.key, ...(tagging ? { tagging: true } : {}) });
      const stored = storeObject(
        store,
        bucketName!,
        {
          key: upload.key,
          body: upload.file,
          headers: storedHeadersOf((name) => upload.fields.get(name)),
          userMetadata: userMetadataOf(upload.fields),
          tags: tagging ? parseTagging(tagging) : [],
          checksums: {},
        },
        now(),
      );
      const location = `${endpoint}/${encodeURIComponent(bucketName!)}/${upload.key.split('/').map(encodeURIComponent).join('/')}`;
      const redirect = upload.fields.get('success_action_redirect') ?? upload.fields.get('redirect');
      if (redirect) {
        const target = new URL(redirect);
        target.searchParams.set('bucket', bucketName!);
        target.searchParams.set('key', upload.key);
        target.searchParams.set('etag', stored.etag);
        return { status: 303, headers: { location: target.toString(), etag: stored.etag } };
      }
      const status = upload.fields.get('success_action_status');
      if (status === '201') {
        return {
          status: 201,
          headers: { 'content-type': 'application/xml', etag: stored.etag, location },
          body: xmlDocument('PostResponse', { Location: location, Bucket: bucketName!, Key: upload.key, ETag: stored.etag }),
        };
      }
      return { status: status === '200' ? 200 : 204, headers: { etag: stored.etag, location, 'x-amz-server-side-encryption': 'AES256' } };
    }

    const verified = verifySignature({ method: request.method ?? 'GET', rawPath: routed.rawPath, rawQuery: routed.rawQuery, headers }, signatures);
    // The stack's buckets are private (no bucket policy or ACL grants anonymous access).
    if (!verified) throw accessDenied();
    let body = raw;
    let trailer: Record<string, string> = {};
    if (verified.payloadHash.startsWith('STREAMING-')) {
      ({ data: body, trailer } = decodeAwsChunked(raw));
      const declared = header(headers, 'x-amz-decoded-content-length');
      if (declared !== undefined && Number(declared) !== body.length) throw new S3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header');
    } else {
      checkPayloadHash(verified, raw);
    }
    const accessKeyId = verified.accessKeyId;
    const call: S3Call = { accessKeyId, operation, ...(bucketName !== undefined ? { bucket: bucketName } : {}), ...(key !== undefined ? { key } : {}) };

    switch (operation) {
      case 'ListBuckets':
        authorize(call);
        return listBuckets([...buckets.values()]);
      case 'HeadBucket':
        authorize(call);
        return { status: 200, headers: { 'x-amz-bucket-region': options.region, 'x-amz-access-point-alias': 'false' } };
      case 'CreateBucket':
        throw new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: bucketName! });
      case 'GetBucketLocation':
        authorize(call);
        return getBucketLocation(options.region);
      case 'GetBucketCors':
        authorize(call);
        return getBucketCors(bucket!);
      case 'ListObjects':
      case 'ListObjectsV2':
        authorize(call);
        return listObjects(store, bucketName!, query, operation === 'ListObjectsV2' ? 2 : 1);
      case 'DeleteObjects': {
        if (headers['content-md5'] === undefined && !Object.keys(headers).some((name) => name.startsWith('x-amz-checksum-'))) {
          throw invalidRequest('Missing required header for this request: Content-Md5');
        }
        verifyChecksums(headers, body, trailer);
        let parsed: { quiet: boolean; keys: string[] };
        try {
          parsed = parseDeleteRequest(body.toString('utf8'));
        } catch {
          throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
        }
        if (parsed.keys.length === 0 || parsed.keys.length > 1000) {
          throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
        }
        const deleted: string[] = [];
        const errors: { key: string; code: string; message: string }[] = [];
        for (const objectKey of parsed.keys) {
          // Each key is authorized on its own: a refused one is reported, the others are deleted.
          const refusal = options.authorize?.({ accessKeyId, operation: 'DeleteObject', bucket: bucketName!, key: objectKey });
          if (refusal !== undefined) {
            errors.push({ key: objectKey, code: 'AccessDenied', message: 'Access Denied' });
            continue;
          }
          store.delete(bucketName!, objectKey);
          deleted.push(objectKey);
        }
        return deleteResult(deleted, errors, parsed.quiet);
      }
      case 'PutObject': {
        if (headers['content-length'] === undefined && headers['x-amz-decoded-content-length'] === undefined) {
          throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
        }
        authorize({ ...call, ...(headers['x-amz-tagging'] !== undefined ? { tagging: true } : {}) });
        return putObject(store, bucketName!, key!, headers, body, trailer, now());
      }
      case 'CopyObject': {
        const source = parseCopySource(header(headers, 'x-amz-copy-source')!);
        const replacesTags = header(headers, 'x-amz-tagging-directive') === 'REPLACE';
        authorize({ ...call, copySource: source, ...(replacesTags ? { tagging: true } : {}) });
        if (!buckets.has(source.bucket)) throw noSuchBucket(source.bucket);
        const original = store.get(source.bucket, source.key);
        if (!original) throw missingKey(accessKeyId, source.bucket, source.key);
        return copyObject(store, { ...original, bucket: source.bucket }, bucketName!, key!, headers, now());
      }
      case 'GetObject':
      case 'HeadObject':
      case 'GetObjectTagging': {
        authorize(call);
        const object = store.get(bucketName!, key!);
        if (!object) throw missingKey(accessKeyId, bucketName!, key!);
        if (operation === 'GetObjectTagging') return getObjectTagging(object);
        return getObject(object, query, headers, operation === 'HeadObject' ? 'HEAD' : 'GET');
      }
      case 'PutObjectTagging':
        authorize(call);
        return putObjectTagging(store, bucketName!, key!, body);
      case 'DeleteObjectTagging':
        authorize(call);
        if (!store.setTags(bucketName!, key!, [])) throw noSuchKey(key!);
        return { status: 204, headers: {} };
      case 'DeleteObject':
        authorize(call);
        store.delete(bucketName!, key!);
        return { status: 204, headers: {} };
      default:
        throw invalidRequest(`${operation} is not supported here`);
    }
  }

  const server = createServer((request, response) => {
    void (async () => {
      const requestId = randomBytes(8).toString('hex').toUpperCase();
      const hostId = randomBytes(48).toString('base64');
      const method = request.method ?? 'GET';
      let rules: BucketConfig['cors'];
      let answer: S3Response;
      try {
        const routed = route(method === 'OPTIONS' ? 'GET' : method, request.url ?? '/', request.headers.host, request.headers['x-amz-copy-source'] !== undefined);
        const bucket = routed.bucket === undefined ? undefined : buckets.get(routed.bucket);
        if (routed.bucket !== undefined && !bucket) throw noSuchBucket(routed.bucket);
        rules = bucket?.cors;
        const counted = method === 'OPTIONS' ? 'Preflight' : routed.operation;
        requestCounts[counted] = (requestCounts[counted] ?? 0) + 1;
        if (method === 'OPTIONS') {
          answer = { status: 200, headers: preflight(rules, request.headers, routed.key === undefined ? 'BUCKET' : 'OBJECT') };
        } else {
          answer = await serve(request, routed, bucket, await readBody(request));
        }
      } catch (error) {
        const s3Error = error instanceof S3Error ? error : new S3Error(500, 'InternalError', `We encountered an internal error. Please try again. (${String(error)})`);
        answer = { status: s3Error.status, headers: { 'content-type': 'application/xml' }, body: errorDocument(s3Error, requestId, hostId) };
        if (!response.headersSent) request.resume();
      }
      const cors = method === 'OPTIONS' ? {} : corsHeaders(rules, request.headers, method);
      const body = method === 'HEAD' || answer.status === 304 ? undefined : answer.body;
      const headers: Record<string, string> = {
        'x-amz-request-id': requestId,
        'x-amz-id-2': hostId,
        date: new Date().toUTCString(),
        server: 'AmazonS3',
        ...cors,
        ...answer.headers,
      };
      if (method !== 'HEAD' || answer.headers['content-length'] === undefined) {
        headers['content-length'] = String(body === undefined ? 0 : Buffer.byteLength(body));
      }
      if (method === 'HEAD' && answer.status >= 400) delete headers['content-type'];
      response.writeHead(answer.status, headers);
      response.end(body);
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    store,
    buckets,
    requestCounts,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
