import { accessDenied, invalidArgument, S3Error } from './errors.js';
import { ALGORITHM, parseAmzDate, policySignature, type SignatureContext, sameText } from './sigv4.js';

/**
 * Browser uploads with an HTML form (`POST /{bucket}`, `multipart/form-data`) as S3 checks them:
 * the `Policy` field (base64 JSON: `expiration` and `conditions`) must carry a valid SigV4
 * signature of its signer, must not have expired, every condition must hold (`{field: value}`,
 * `["eq", "$field", value]`, `["starts-with", "$field", prefix]`, `["content-length-range", min,
 * max]`), and every form field must be named by a condition. Only then is the file stored.
 */

export interface PostUpload {
  /** The signer's access key (IAM authorizes the upload as this principal). */
  accessKeyId: string;
  key: string;
  /** Form fields by lower-case name (the file and the fields after it excluded). */
  fields: Map<string, string>;
  file: Buffer;
}

type Condition = Record<string, unknown> | unknown[];

const IGNORED_FIELDS = new Set(['policy', 'x-amz-signature', 'file']);

const conditionText = (condition: Condition): string =>
  Array.isArray(condition)
    ? `[${condition.map((item) => JSON.stringify(item)).join(', ')}]`
    : `["eq", "$${Object.keys(condition)[0]}", ${JSON.stringify(Object.values(condition)[0])}]`;

const conditionFailed = (condition: Condition): S3Error => accessDenied(`Invalid according to Policy: Policy Condition failed: ${conditionText(condition)}`);

const invalidPolicy = (message: string): S3Error => new S3Error(400, 'InvalidPolicyDocument', `Invalid Policy: ${message}`);

/** Reads the form: the fields before the `file` field (S3 ignores the ones after it) and the file. */
async function readForm(body: Buffer, contentType: string): Promise<{ fields: Map<string, string>; names: string[]; file?: { data: Buffer; name: string } }> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new S3Error(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');
  }
  const fields = new Map<string, string>();
  const names: string[] = [];
  for (const [name, value] of form.entries()) {
    const lower = name.toLowerCase();
    if (lower === 'file') {
      if (typeof value === 'string') return { fields, names, file: { data: Buffer.from(value, 'utf8'), name: '' } };
      return { fields, names, file: { data: Buffer.from(await value.arrayBuffer()), name: value.name } };
    }
    if (typeof value !== 'string') continue;
    fields.set(lower, value);
    names.push(name);
  }
  return { fields, names };
}

function checkCondition(condition: Condition, valueOf: (field: string) => string | undefined, size: number): void {
  if (!Array.isArray(condition)) {
    const entries = Object.entries(condition);
    if (entries.length !== 1) throw invalidPolicy('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
    const [field, expected] = entries[0]!;
    if (valueOf(field) !== String(expected)) throw conditionFailed(condition);
    return;
  }
  const [operator, ...args] = condition as [unknown, ...unknown[]];
  switch (String(operator).toLowerCase()) {
    case 'eq':
    case 'starts-with': {
      const [field, expected] = args;
      if (typeof field !== 'string' || !field.startsWith('$') || typeof expected !== 'string') {
        throw invalidPolicy(`Invalid Condition: ${conditionText(condition)}`);
      }
      const actual = valueOf(field.slice(1));
      const holds = String(operator).toLowerCase() === 'eq' ? actual === expected : actual !== undefined && actual.startsWith(expected);
      if (!holds) throw conditionFailed(condition);
      return;
    }
    case 'content-length-range': {
      const [min, max] = args.map(Number) as [number, number];
      if (!Number.isInteger(min) || !Number.isInteger(max)) throw invalidPolicy('Invalid content-length-range: expecting two integers.');
      if (size > max) throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: size, MaxSizeAllowed: max });
      if (size < min) throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', { ProposedSize: size, MinSizeAllowed: min });
      return;
    }
    default:
      throw invalidPolicy(`Invalid Condition: ${conditionText(condition)}`);
  }
}

/** The field names a condition covers (lower case); `content-length-range` covers none. */
const coveredField = (condition: Condition): string | undefined => {
  if (!Array.isArray(condition)) return Object.keys(condition)[0]?.toLowerCase();
  const field = condition[1];
  return typeof field === 'string' && field.startsWith('$') ? field.slice(1).toLowerCase() : undefined;
};

/** Checks a form upload to `bucket`; throws S3's error, returns what to store. */
export async function verifyPostUpload(bucket: string, body: Buffer, contentType: string, context: SignatureContext): Promise<PostUpload> {
  const { fields, names, file } = await readForm(body, contentType);
  const field = (name: string): string | undefined => fields.get(name.toLowerCase());

  const policyText = field('policy');
  const signature = field('x-amz-signature');
  const credential = field('x-amz-credential');
  if (policyText === undefined && signature === undefined) throw accessDenied();
  if (field('x-amz-algorithm') !== ALGORITHM) {
    throw invalidArgument('POST requires the X-Amz-Algorithm field to be AWS4-HMAC-SHA256', 'X-Amz-Algorithm', field('x-amz-algorithm') ?? '');
  }
  if (policyText === undefined || signature === undefined || credential === undefined || field('x-amz-date') === undefined) {
    throw invalidArgument('Bucket POST must contain the fields Policy, X-Amz-Credential, X-Amz-Date and X-Amz-Signature', 'Policy', '');
  }
  if (!file) throw invalidArgument('POST requires exactly one file upload per request.', 'file', '0');
  const rawKey = field('key');
  if (rawKey === undefined) throw invalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", 'key', '');
  const key = rawKey.split('${filename}').join(file.name);
  if (key.length === 0) throw invalidArgument('User key must have a length greater than 0.', 'key', '');

  const parts = credential.split('/');
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  if (parts.length !== 5 || terminator !== 'aws4_request' || service !== 's3') {
    throw invalidArgument('Invalid argument: X-Amz-Credential is not well-formed.', 'X-Amz-Credential', credential);
  }
  if (region !== context.region) {
    throw new S3Error(400, 'AuthorizationQueryParametersError', `Error parsing the X-Amz-Credential parameter; the region '${region}' is wrong; expecting '${context.region}'`, { Region: context.region });
  }
  if (!parseAmzDate(field('x-amz-date'))) throw invalidArgument('X-Amz-Date must be in the ISO8601 Long Format', 'X-Amz-Date', field('x-amz-date')!);
  const secret = context.secretOf(accessKeyId);
  if (secret === undefined) {
    throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  }
  if (!sameText(policySignature(secret, { date, region, service }, policyText), signature)) {
    throw new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
      AWSAccessKeyId: accessKeyId,
      StringToSign: policyText,
      SignatureProvided: signature,
    });
  }

  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    policy = JSON.parse(Buffer.from(policyText, 'base64').toString('utf8')) as typeof policy;
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (typeof policy.expiration !== 'string') throw invalidPolicy('Policy missing expiration.');
  const expiration = Date.parse(policy.expiration);
  if (Number.isNaN(expiration)) throw invalidPolicy(`Invalid 'expiration' value: '${policy.expiration}'`);
  if (context.now().getTime() > expiration) throw accessDenied('Invalid according to Policy: Policy expired.');
  if (!Array.isArray(policy.conditions)) throw invalidPolicy('Policy missing conditions.');
  const conditions = policy.conditions as Condition[];

  const valueOf = (name: string): string | undefined => {
    const lower = name.toLowerCase();
    if (lower === 'bucket') return bucket;
    if (lower === 'key') return key;
    return field(lower);
  };
  // Sizes are checked last, so a forged policy never learns more than that it is refused.
  const sizeConditions = conditions.filter((condition) => Array.isArray(condition) && String(condition[0]).toLowerCase() === 'content-length-range');
  for (const condition of conditions.filter((candidate) => !sizeConditions.includes(candidate))) checkCondition(condition, valueOf, file.data.length);

  const covered = new Set(conditions.map(coveredField).filter((name): name is string => name !== undefined));
  const extra = names.filter((name) => {
    const lower = name.toLowerCase();
    return !IGNORED_FIELDS.has(lower) && !lower.startsWith('x-ignore-') && !covered.has(lower);
  });
  if (extra.length > 0) throw accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  for (const condition of sizeConditions) checkCondition(condition, valueOf, file.data.length);

  return { accessKeyId, key, fields, file: file.data };
}
