/**
 * How Lambda reads the `FunctionName` of an API call: a name (`my-function`), a full ARN
 * (`arn:aws:lambda:us-east-1:123456789012:function:my-function`) or a partial ARN
 * (`123456789012:function:my-function`), each optionally followed by `:qualifier` (a version or
 * alias); the `Qualifier` parameter names it too.
 */

/** Lambda's own pattern for `FunctionName` (API reference, Invoke). */
const FUNCTION_NAME_PATTERN =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?$/;

export interface FunctionAddress {
  name: string;
  region: string;
  accountId: string;
  /** Undefined for an unqualified call. */
  qualifier?: string;
  /** `arn:aws:lambda:{region}:{account}:function:{name}`. */
  arn: string;
  /** The ARN IAM checks: the qualified ARN when a qualifier was given. */
  resourceArn: string;
}

/** The caller's input does not fit Lambda's constraints; the message says how, in Lambda's words. */
export class FunctionAddressError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'FunctionAddressError';
  }
}

export const functionArn = (region: string, accountId: string, name: string): string => `arn:aws:lambda:${region}:${accountId}:function:${name}`;

export function parseFunctionAddress(functionName: string, qualifierParameter: string | undefined, local: { region: string; accountId: string }): FunctionAddress {
  const match = FUNCTION_NAME_PATTERN.exec(functionName);
  // The 256 limit is the full ARN's; a bare name may have 64 characters.
  const tooLong = functionName.length > 256 || (match !== null && !match[1] && !match[8] && match[10]!.length > 64);
  if (!match || tooLong) {
    throw new FunctionAddressError(
      400,
      'ValidationException',
      `1 validation error detected: Value '${functionName}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${FUNCTION_NAME_PATTERN.source.slice(1, -1)}`,
    );
  }
  const region = match[3] ? match[3].slice(0, -1) : local.region;
  const accountId = match[8] ? match[8].slice(0, -1) : local.accountId;
  const name = match[10]!;
  const derived = match[12];
  if (derived !== undefined && qualifierParameter !== undefined && derived !== qualifierParameter) {
    throw new FunctionAddressError(400, 'InvalidParameterValueException', 'The derived qualifier from the function name does not match the specified qualifier.');
  }
  const qualifier = derived ?? qualifierParameter;
  const arn = functionArn(region, accountId, name);
  return { name, region, accountId, ...(qualifier !== undefined ? { qualifier } : {}), arn, resourceArn: qualifier === undefined ? arn : `${arn}:${qualifier}` };
}
