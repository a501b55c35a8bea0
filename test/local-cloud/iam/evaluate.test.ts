import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../local-cloud/iam/evaluate.js';
import { awsManagedPolicyStatements } from '../../../local-cloud/iam/managed-policies.js';
import { MalformedPolicyError, parsePolicyDocument, type PolicyStatement } from '../../../local-cloud/iam/policy-document.js';
import { actionMatches, resourceMatches } from '../../../local-cloud/iam/wildcard.js';

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/Timelines';

const policy = (...statements: Record<string, unknown>[]): PolicyStatement[] =>
  parsePolicyDocument({ Version: '2012-10-17', Statement: statements }, 'TestPolicy');

const decide = (statements: PolicyStatement[], action: string, resource: string) => evaluate(statements, { action, resource }).decision;

describe('IAM wildcards in actions', () => {
  it('matches exact names, * and ? and compares without case, service prefix included', () => {
    expect(actionMatches('dynamodb:PutItem', 'dynamodb:PutItem')).toBe(true);
    expect(actionMatches('DynamoDB:putitem', 'dynamodb:PutItem')).toBe(true);
    expect(actionMatches('dynamodb:*', 'dynamodb:PutItem')).toBe(true);
    expect(actionMatches('*', 'sqs:SendMessage')).toBe(true);
    expect(actionMatches('dynamodb:Get*', 'dynamodb:GetItem')).toBe(true);
    expect(actionMatches('dynamodb:Get*', 'dynamodb:BatchGetItem')).toBe(false);
    expect(actionMatches('dynamodb:?etItem', 'dynamodb:GetItem')).toBe(true);
    expect(actionMatches('dynamodb:?etItem', 'dynamodb:BatchGetItem')).toBe(false);
    expect(actionMatches('dynamodb:PutItem', 'dynamodb:PutItems')).toBe(false);
    expect(actionMatches('dynamodb:PutItem', 'sqs:PutItem')).toBe(false);
    // Regex characters in a pattern are literal.
    expect(actionMatches('dynamodb:Put.tem', 'dynamodb:PutItem')).toBe(false);
  });
});

describe('IAM wildcards in resource ARNs', () => {
  it('compares ARNs with case', () => {
    expect(resourceMatches(TABLE, TABLE)).toBe(true);
    expect(resourceMatches(TABLE.toLowerCase(), TABLE)).toBe(false);
    expect(resourceMatches(TABLE, `${TABLE}/index/byUser`)).toBe(false);
  });

  it('lets * cover any run of characters within a segment, slashes included', () => {
    expect(resourceMatches(`${TABLE}/index/*`, `${TABLE}/index/byUser`)).toBe(true);
    expect(resourceMatches(`${TABLE}/index/*`, TABLE)).toBe(false);
    expect(resourceMatches('arn:aws:dynamodb:us-east-1:123456789012:table/*', `${TABLE}/index/byUser`)).toBe(true);
    expect(resourceMatches('arn:aws:s3:::bucket/*/test/*', 'arn:aws:s3:::bucket/1/2/test/3/object.jpg')).toBe(true);
    expect(resourceMatches('arn:aws:s3:::bucket/*/test/*', 'arn:aws:s3:::bucket/1-test/object.jpg')).toBe(false);
    expect(
      resourceMatches('arn:aws:execute-api:us-east-1:123456789012:abc/dev/*/@connections/*', 'arn:aws:execute-api:us-east-1:123456789012:abc/dev/POST/@connections/Zm9v=='),
    ).toBe(true);
    expect(
      resourceMatches('arn:aws:execute-api:us-east-1:123456789012:abc/dev/POST/@connections/*', 'arn:aws:execute-api:us-east-1:123456789012:abc/dev/DELETE/@connections/x'),
    ).toBe(false);
  });

  it('lets ? cover exactly one character', () => {
    expect(resourceMatches('arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt-??????', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt-AbC123')).toBe(true);
    expect(resourceMatches('arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt-??????', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt-AbC12')).toBe(false);
  });

  it('keeps a * inside a segment within it, but lets a * that ends a segment run past colons', () => {
    expect(resourceMatches('*', TABLE)).toBe(true);
    expect(resourceMatches('arn:aws:dynamodb:*', TABLE)).toBe(true);
    expect(resourceMatches('arn:aws:dynamodb:*:*:table/Timelines', TABLE)).toBe(true);
    expect(resourceMatches('arn:aws:dynamodb:us-*-1:123456789012:table/Timelines', TABLE)).toBe(true);
    // This * sits inside a segment (a `t` follows it): it cannot swallow `:123456789012:`.
    expect(resourceMatches('arn:aws:dynamodb:us-east-1*table/Timelines', TABLE)).toBe(false);
    expect(resourceMatches('arn:aws:dynamodb:us-east-1:*', TABLE)).toBe(true);
    expect(resourceMatches('arn:aws:sqs:us-east-1:123456789012:*', 'arn:aws:sqs:us-east-1:123456789012:jobs')).toBe(true);
    expect(resourceMatches('arn:aws:sqs:us-east-1:123456789012:jobs', 'arn:aws:sqs:us-east-1:123456789012:jobs-dlq')).toBe(false);
  });
});

describe('evaluating identity-based policies', () => {
  it('allows what an Allow statement covers and implicitly denies the rest', () => {
    const statements = policy({ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: TABLE });
    expect(decide(statements, 'dynamodb:PutItem', TABLE)).toBe('allow');
    expect(decide(statements, 'dynamodb:DeleteItem', TABLE)).toBe('implicit-deny');
    expect(decide(statements, 'dynamodb:PutItem', `${TABLE}-other`)).toBe('implicit-deny');
    expect(decide([], 'dynamodb:PutItem', TABLE)).toBe('implicit-deny');
  });

  it('lets an explicit Deny win over any Allow', () => {
    const statements = policy(
      { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
      { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE },
    );
    expect(decide(statements, 'dynamodb:PutItem', TABLE)).toBe('allow');
    expect(decide(statements, 'dynamodb:DeleteItem', TABLE)).toBe('explicit-deny');
    expect(decide(statements, 'dynamodb:DeleteItem', 'arn:aws:dynamodb:us-east-1:123456789012:table/Other')).toBe('allow');
    expect(evaluate(statements, { action: 'dynamodb:DeleteItem', resource: TABLE }).deciding.map((s) => s.effect)).toEqual(['Deny']);
  });

  it('reads NotAction and NotResource as everything but', () => {
    const statements = policy({ Effect: 'Allow', NotAction: ['dynamodb:Delete*', 'sqs:*'], Resource: TABLE });
    expect(decide(statements, 'dynamodb:PutItem', TABLE)).toBe('allow');
    expect(decide(statements, 'dynamodb:DeleteItem', TABLE)).toBe('implicit-deny');
    expect(decide(statements, 'sqs:SendMessage', TABLE)).toBe('implicit-deny');

    const guarded = policy(
      { Effect: 'Allow', Action: 'dynamodb:*', NotResource: `${TABLE}/index/*` },
      { Effect: 'Deny', NotAction: 'dynamodb:Query', Resource: `${TABLE}/index/*` },
    );
    expect(decide(guarded, 'dynamodb:Query', TABLE)).toBe('allow');
    expect(decide(guarded, 'dynamodb:Query', `${TABLE}/index/byUser`)).toBe('implicit-deny');
    expect(decide(guarded, 'dynamodb:Scan', `${TABLE}/index/byUser`)).toBe('explicit-deny');
  });

  it('takes a single string or a list for every element', () => {
    const statements = policy({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: ['arn:aws:sqs:us-east-1:123456789012:a', 'arn:aws:sqs:us-east-1:123456789012:b'] });
    expect(decide(statements, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:b')).toBe('allow');
    expect(parsePolicyDocument({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }, 'P')).toHaveLength(1);
  });

  it('treats a Condition as met for an Allow and as not met for a Deny (never refusing what AWS might allow)', () => {
    const statements = policy(
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: TABLE, Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['u1'] } } },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    );
    expect(statements.every((s) => s.conditional)).toBe(true);
    expect(decide(statements, 'dynamodb:PutItem', TABLE)).toBe('allow');
  });

  it('rejects documents IAM would reject (the deploy would fail)', () => {
    expect(() => policy({ Effect: 'allow', Action: '*', Resource: '*' })).toThrow(MalformedPolicyError);
    expect(() => policy({ Effect: 'Allow', Resource: '*' })).toThrow(/Action and NotAction/);
    expect(() => policy({ Effect: 'Allow', Action: '*', NotAction: 'x:y', Resource: '*' })).toThrow(/Action and NotAction/);
    expect(() => policy({ Effect: 'Allow', Action: '*' })).toThrow(/must contain resources/);
    expect(() => policy({ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' })).toThrow(/Principal/);
    expect(() => policy({ Effect: 'Allow', Action: [], Resource: '*' })).toThrow(/empty/);
  });

  it('knows AWSLambdaBasicExecutionRole as a CloudWatch Logs grant only, and no unknown managed policy', () => {
    const basic = awsManagedPolicyStatements('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')!;
    expect(decide(basic, 'logs:PutLogEvents', 'arn:aws:logs:us-east-1:123456789012:log-group:x:*')).toBe('allow');
    expect(decide(basic, 'dynamodb:GetItem', TABLE)).toBe('implicit-deny');
    const sqs = awsManagedPolicyStatements('arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole')!;
    expect(decide(sqs, 'sqs:ReceiveMessage', 'arn:aws:sqs:us-east-1:123456789012:q')).toBe('allow');
    expect(decide(sqs, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:q')).toBe('implicit-deny');
    expect(awsManagedPolicyStatements('arn:aws:iam::aws:policy/AdministratorAccess')).toBeUndefined();
    expect(awsManagedPolicyStatements('arn:aws:iam::123456789012:policy/Mine')).toBeUndefined();
  });
});
