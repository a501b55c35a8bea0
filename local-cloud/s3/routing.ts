import { invalidRequest, notImplemented } from './errors.js';
import { queryParameters } from './sigv4.js';

/**
 * Which S3 operation a request is, and on which bucket and key. Both addressing styles are
 * understood: path style (`http://127.0.0.1:PORT/{bucket}/{key}`, what the SDK uses with an IP
 * endpoint) and virtual-hosted style (`http://{bucket}.localhost:PORT/{key}`, what it uses
 * with a host-name endpoint such as `http://localhost:PORT`).
 */

export type S3Operation =
  | 'ListBuckets'
  | 'HeadBucket'
  | 'CreateBucket'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'GetBucketLocation'
  | 'GetBucketCors'
  | 'DeleteObjects'
  | 'PostObject'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'GetObjectTagging'
  | 'PutObjectTagging'
  | 'DeleteObjectTagging';

export interface RoutedRequest {
  operation: S3Operation;
  bucket?: string;
  key?: string;
  rawPath: string;
  rawQuery: string;
  query: Map<string, string>;
}

const decodePath = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidRequest('The request path is not valid percent-encoded UTF-8.');
  }
};

/** The bucket named by a virtual-hosted `Host` (`{bucket}.localhost[:port]`), if any. */
export function bucketOfHost(host: string | undefined): string | undefined {
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  return hostname.endsWith('.localhost') ? hostname.slice(0, -'.localhost'.length) : undefined;
}

export function route(method: string, url: string, host: string | undefined, hasCopySource: boolean): RoutedRequest {
  const question = url.indexOf('?');
  const rawPath = question < 0 ? url : url.slice(0, question);
  const rawQuery = question < 0 ? '' : url.slice(question + 1);
  const query = new Map(queryParameters(rawQuery));
  let bucket = bucketOfHost(host);
  let key: string | undefined;
  if (bucket !== undefined) {
    key = rawPath.length > 1 ? decodePath(rawPath.slice(1)) : undefined;
  } else {
    const slash = rawPath.indexOf('/', 1);
    const first = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
    bucket = first === '' ? undefined : decodePath(first);
    key = slash < 0 || slash === rawPath.length - 1 ? undefined : decodePath(rawPath.slice(slash + 1));
  }
  const base = { rawPath, rawQuery, query, ...(bucket !== undefined ? { bucket } : {}), ...(key !== undefined ? { key } : {}) };
  const operation = operationOf(method, bucket, key, query, hasCopySource);
  return { operation, ...base };
}

function operationOf(method: string, bucket: string | undefined, key: string | undefined, query: Map<string, string>, hasCopySource: boolean): S3Operation {
  const unsupported = (what: string): never => {
    throw notImplemented(what);
  };
  if (query.has('uploads') || query.has('uploadId')) return unsupported('multipart upload');
  if (bucket === undefined) return method === 'GET' ? 'ListBuckets' : unsupported(`${method} /`);
  if (key === undefined) {
    switch (method) {
      case 'GET':
        if (query.has('location')) return 'GetBucketLocation';
        if (query.has('cors')) return 'GetBucketCors';
        for (const subresource of ['versions', 'policy', 'lifecycle', 'acl', 'tagging', 'notification', 'website', 'logging', 'encryption']) {
          if (query.has(subresource)) return unsupported(`?${subresource}`);
        }
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'HEAD':
        return 'HeadBucket';
      case 'PUT':
        return query.size === 0 ? 'CreateBucket' : unsupported('bucket configuration');
      case 'POST':
        return query.has('delete') ? 'DeleteObjects' : 'PostObject';
      default:
        return unsupported(`${method} on a bucket`);
    }
  }
  switch (method) {
    case 'GET':
      if (query.has('tagging')) return 'GetObjectTagging';
      if (query.has('acl') || query.has('attributes') || query.has('retention') || query.has('legal-hold')) return unsupported('object subresource');
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      if (query.has('tagging')) return 'PutObjectTagging';
      if (query.has('acl') || query.has('retention') || query.has('legal-hold')) return unsupported('object subresource');
      return hasCopySource ? 'CopyObject' : 'PutObject';
    case 'DELETE':
      return query.has('tagging') ? 'DeleteObjectTagging' : 'DeleteObject';
    default:
      return unsupported(`${method} on an object`);
  }
}
