import { describe, expect, it } from 'vitest';
import { FunctionAddressError, parseFunctionAddress } from '../../../local-cloud/lambda-api/function-address.js';

/** Lambda's FunctionName forms and Qualifier (local-cloud/lambda-api/function-address.ts). */

const local = { region: 'us-east-1', accountId: '123456789012' };
const parse = (name: string, qualifier?: string) => parseFunctionAddress(name, qualifier, local);
const failure = (name: string, qualifier?: string): FunctionAddressError => {
  try {
    parse(name, qualifier);
  } catch (error) {
    if (error instanceof FunctionAddressError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('FunctionName', () => {
  it('takes a name, a partial ARN or a full ARN to the same function', () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:moderation';
    for (const name of ['moderation', '123456789012:function:moderation', arn]) {
      expect(parse(name)).toEqual({ name: 'moderation', region: 'us-east-1', accountId: '123456789012', arn, resourceArn: arn });
    }
  });

  it('reads a qualifier from the name or the parameter; IAM checks the qualified ARN', () => {
    expect(parse('moderation:live')).toMatchObject({ qualifier: 'live', resourceArn: 'arn:aws:lambda:us-east-1:123456789012:function:moderation:live' });
    expect(parse('arn:aws:lambda:us-east-1:123456789012:function:moderation', '$LATEST')).toMatchObject({ qualifier: '$LATEST' });
    expect(failure('moderation:live', 'other')).toMatchObject({ errorType: 'InvalidParameterValueException', message: 'The derived qualifier from the function name does not match the specified qualifier.' });
  });

  it('keeps another account and region as given (the caller decides what is reachable)', () => {
    expect(parse('arn:aws:lambda:eu-west-1:999999999999:function:f')).toMatchObject({ region: 'eu-west-1', accountId: '999999999999' });
  });

  it("refuses what Lambda's pattern refuses, and a bare name over 64 characters", () => {
    expect(failure('has spaces').errorType).toBe('ValidationException');
    expect(failure('a'.repeat(65)).errorType).toBe('ValidationException');
    expect(parse(`123456789012:function:${'a'.repeat(64)}`).name).toHaveLength(64);
  });
});
