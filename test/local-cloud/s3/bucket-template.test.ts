import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionEnvironment } from '../../../local-cloud/function-environment.js';
import { AccessChecker } from '../../../local-cloud/iam/access-checker.js';
import { s3Requests } from '../../../local-cloud/iam/service-requests.js';
import { corsRulesOf } from '../../../local-cloud/s3/cors.js';
import type { CloudModel } from '../../../local-cloud/template/cloud-model.js';
import { type ResolveContext, resolveValue } from '../../../local-cloud/template/intrinsics.js';
import { readTemplate } from '../../../local-cloud/template/read-template.js';
import { ALLOWED_ORIGIN_PATTERN, type FixtureStack, synthS3FixtureStack } from './fixture-stack.js';

/** How the local cloud reads `AWS::S3::Bucket` and the S3 grants of a CDK-synthesized template. */

let fixture: FixtureStack;
let model: CloudModel;
let context: ResolveContext;
const attachments = () => model.buckets.find((bucket) => bucket.logicalId.startsWith('Attachments'))!;

beforeAll(async () => {
  fixture = await synthS3FixtureStack();
  const read = readTemplate({ templatePath: fixture.templatePath, suffix: 'ABC123' });
  model = read.model;
  context = { region: model.region, accountId: model.accountId, stackName: model.stackName, resources: read.resources };
});
afterAll(() => {
  if (fixture) rmSync(fixture.outdir, { recursive: true, force: true });
});

describe('buckets of the template', () => {
  it('get a CloudFormation-style name (lower case, at most 63 characters) and resolve Ref and Fn::GetAtt', () => {
    expect(model.buckets.map((candidate) => candidate.logicalId.replace(/[0-9A-F]{8}$/, ''))).toEqual(['AccessLogs', 'Attachments']);
    const bucket = attachments();
    expect(bucket.name).toMatch(/^s3fixture-attachments[0-9a-f]{8}-abc123$/);
    expect(bucket.name.length).toBeLessThanOrEqual(63);
    const id = bucket.logicalId;
    expect(resolveValue({ Ref: id }, context)).toBe(bucket.name);
    expect(resolveValue({ 'Fn::GetAtt': [id, 'Arn'] }, context)).toBe(`arn:aws:s3:::${bucket.name}`);
    expect(resolveValue({ 'Fn::GetAtt': [id, 'DomainName'] }, context)).toBe(`${bucket.name}.s3.amazonaws.com`);
    expect(resolveValue({ 'Fn::GetAtt': [id, 'RegionalDomainName'] }, context)).toBe(`${bucket.name}.s3.us-east-1.amazonaws.com`);
  });

  it('carry the CORS rules and the lifecycle configuration', () => {
    const bucket = attachments();
    expect(corsRulesOf(resolveValue(bucket.corsConfiguration, context))).toEqual([
      { allowedOrigins: [ALLOWED_ORIGIN_PATTERN], allowedMethods: ['PUT', 'POST', 'GET', 'HEAD'], allowedHeaders: ['*'], exposedHeaders: ['ETag'], maxAgeSeconds: 600 },
    ]);
    expect(bucket.lifecycleConfiguration).toEqual({ Rules: [{ ExpirationInDays: 1, Id: 'unattached', Prefix: 'pending/', Status: 'Enabled' }] });
  });

  it("give functions the bucket's physical name and AWS_ENDPOINT_URL_S3", () => {
    const uploader = model.functions.find((fn) => fn.logicalId.startsWith('Uploader'))!;
    const environment = functionEnvironment(uploader, context, undefined, {
      dynamodb: 'http://127.0.0.1:1',
      sqs: 'http://127.0.0.1:2',
      secretsManager: 'http://127.0.0.1:3',
      gatewayOrigin: 'http://127.0.0.1:4',
      s3: 'http://127.0.0.1:5',
    });
    expect(environment.BUCKET_NAME).toBe(attachments().name);
    expect(environment.AWS_ENDPOINT_URL_S3).toBe('http://127.0.0.1:5');
  });
});

describe('S3 grants of the template, as local IAM reads them', () => {
  it("CDK's grantPut/grantRead/grantDelete cover objects and the bucket; grantPut alone only writing objects", () => {
    const { checker } = AccessChecker.fromModel(model, context);
    const bucket = attachments().name;
    const can = (prefix: string, operation: string, key?: string) =>
      s3Requests({ operation, bucket, ...(key !== undefined ? { key } : {}) }).every((request) =>
        checker.allows(model.functions.find((fn) => fn.logicalId.startsWith(prefix))!.logicalId, request.action, request.resource),
      );
    for (const operation of ['PutObject', 'PostObject', 'GetObject', 'HeadObject', 'DeleteObject']) expect(can('Uploader', operation, 'a/b.png'), operation).toBe(true);
    expect(can('Uploader', 'ListObjectsV2')).toBe(true);
    expect(can('PutOnly', 'PutObject', 'a/b.png')).toBe(true);
    for (const operation of ['GetObject', 'HeadObject', 'DeleteObject']) expect(can('PutOnly', operation, 'a/b.png'), operation).toBe(false);
    expect(can('PutOnly', 'ListObjectsV2')).toBe(false);
    expect(can('ReaderNoList', 'GetObject', 'a/b.png')).toBe(true);
    expect(can('ReaderNoList', 'ListObjectsV2')).toBe(false);
  });
});

describe('the S3 request mapping (Service Authorization Reference)', () => {
  it('object actions on the object ARN, listing on the bucket ARN, both sides of a copy', () => {
    expect(s3Requests({ operation: 'HeadObject', bucket: 'b', key: 'k/1' })).toEqual([{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k/1' }]);
    expect(s3Requests({ operation: 'PostObject', bucket: 'b', key: 'k' })).toEqual([{ action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' }]);
    expect(s3Requests({ operation: 'PutObject', bucket: 'b', key: 'k', tagging: true })).toEqual([
      { action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' },
      { action: 's3:PutObjectTagging', resource: 'arn:aws:s3:::b/k' },
    ]);
    expect(s3Requests({ operation: 'ListObjectsV2', bucket: 'b' })).toEqual([{ action: 's3:ListBucket', resource: 'arn:aws:s3:::b' }]);
    expect(s3Requests({ operation: 'HeadBucket', bucket: 'b' })).toEqual([{ action: 's3:ListBucket', resource: 'arn:aws:s3:::b' }]);
    expect(s3Requests({ operation: 'ListBuckets' })).toEqual([{ action: 's3:ListAllMyBuckets', resource: '*' }]);
    expect(s3Requests({ operation: 'CopyObject', bucket: 'b', key: 'to', copySource: { bucket: 'a', key: 'from' } })).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::a/from' },
      { action: 's3:PutObject', resource: 'arn:aws:s3:::b/to' },
    ]);
  });
});
