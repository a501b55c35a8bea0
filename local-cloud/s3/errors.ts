import { escapeXml } from './xml.js';

/**
 * An S3 error answer: the HTTP status, S3's error code and message, and the extra elements S3
 * puts in its `<Error>` document (e.g. `<Key>` for NoSuchKey, `<StringToSign>` for
 * SignatureDoesNotMatch). The SDK names the exception after `Code`.
 */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

/** `<Error><Code/><Message/>…<RequestId/><HostId/></Error>`, as S3 answers every failed request that has a body. */
export function errorDocument(error: S3Error, requestId: string, hostId: string): string {
  const details = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>${details}` +
    `<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`
  );
}

// The errors S3 answers most, with S3's own status and wording.

export const accessDenied = (message = 'Access Denied', details: Record<string, string> = {}): S3Error => new S3Error(403, 'AccessDenied', message, details);

export const noSuchBucket = (bucket: string): S3Error => new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });

export const noSuchKey = (key: string): S3Error => new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });

export const invalidArgument = (message: string, name: string, value: string): S3Error =>
  new S3Error(400, 'InvalidArgument', message, { ArgumentName: name, ArgumentValue: value });

export const invalidRequest = (message: string): S3Error => new S3Error(400, 'InvalidRequest', message);

export const notImplemented = (what: string): S3Error =>
  new S3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', { Header: what });

export const methodNotAllowed = (method: string, resourceType: string): S3Error =>
  new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: method, ResourceType: resourceType });

export const preconditionFailed = (condition: string): S3Error =>
  new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });
