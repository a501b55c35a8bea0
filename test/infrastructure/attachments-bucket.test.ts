import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { AttachmentStorage } from '../../lib/constructs/attachment-storage.js';
import { resourcesOf, synthTemplate } from '../support/synth-stack.js';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };

const bucketsOf = (template: Template): [string, Resource][] => Object.entries(template.findResources('AWS::S3::Bucket')) as [string, Resource][];
const attachmentsBucket = (template: Template): [string, Resource] => bucketsOf(template).find(([id]) => id.startsWith('AttachmentsBucket'))!;
const logsBucket = (template: Template): [string, Resource] => bucketsOf(template).find(([id]) => id.startsWith('AttachmentsAccessLogs'))!;

describe('attachments bucket', () => {
  const template = synthTemplate();

  it('is one private bucket plus its access-log bucket', () => {
    expect(bucketsOf(template)).toHaveLength(2);
    expect(attachmentsBucket(template)).toBeDefined();
    expect(logsBucket(template)).toBeDefined();
  });

  it('blocks all public access, encrypts at rest and refuses plain HTTP, both buckets', () => {
    for (const [logicalId, bucket] of [attachmentsBucket(template), logsBucket(template)]) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }]);
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('logs every request to the access-log bucket', () => {
    const [logsId] = logsBucket(template);
    expect(attachmentsBucket(template)[1].Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'attachments/' });
  });

  it('deletes uploads still pending a day after upload, and those of sends that never stored a message a week after', () => {
    const rules = attachmentsBucket(template)[1].Properties.LifecycleConfiguration.Rules as Record<string, unknown>[];
    expect(rules).toContainEqual({
      Id: 'delete-unattached-uploads',
      Status: 'Enabled',
      Prefix: 'attachments/',
      TagFilters: [{ Key: 'attachment', Value: 'pending' }],
      ExpirationInDays: 1,
    });
    expect(rules).toContainEqual({
      Id: 'delete-unsent-attachments',
      Status: 'Enabled',
      Prefix: 'attachments/',
      TagFilters: [{ Key: 'attachment', Value: 'sending' }],
      ExpirationInDays: 7,
    });
    // No rule expires attached objects: an attachment lives as long as its message.
    const expiring = rules.filter((rule) => rule.ExpirationInDays !== undefined);
    expect(expiring).toHaveLength(2);
  });

  it('tags stored messages’ uploads attached from the Conversations stream, retrying a record as long as the stream keeps it', () => {
    const [taggerId] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('AttachmentConfirmationTagger'))!;
    const [, mapping] = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').find(([, m]) => m.Properties.FunctionName.Ref === taggerId)!;
    expect(mapping.Properties.EventSourceArn['Fn::GetAtt'][0]).toMatch(/^MessagingConversations/);
    expect(mapping.Properties).toMatchObject({ MaximumRetryAttempts: -1, BisectBatchOnFunctionError: true, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(mapping.Properties.DestinationConfig).toBeUndefined();
    expect(JSON.parse(mapping.Properties.FilterCriteria.Filters[0].Pattern)).toEqual({
      eventName: ['INSERT'],
      dynamodb: { NewImage: { body: { M: { kind: { S: ['image', 'video', 'audio', 'file'] } } } } },
    });
  });

  it('lets the web origins upload and download (CORS), the local ones by default', () => {
    const cors = attachmentsBucket(template)[1].Properties.CorsConfiguration.CorsRules;
    expect(cors).toEqual([
      expect.objectContaining({
        AllowedOrigins: ['http://127.0.0.1:*', 'http://localhost:*'],
        AllowedMethods: ['PUT', 'POST', 'GET', 'HEAD'],
        AllowedHeaders: ['*'],
        ExposedHeaders: expect.arrayContaining(['ETag']),
      }),
    ]);
    const configured = synthTemplate({ attachmentOrigins: 'https://chat.example.com' });
    expect(attachmentsBucket(configured)[1].Properties.CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual(['https://chat.example.com']);
  });

  it('is emptied and deleted with a dev stack, kept with a prod stack', () => {
    expect(attachmentsBucket(template)[1].DeletionPolicy).toBe('Delete');
    expect(Object.keys(template.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(2);
    const prod = synthTemplate({ stage: 'prod' });
    expect(attachmentsBucket(prod)[1].DeletionPolicy).toBe('Retain');
    expect(logsBucket(prod)[1].DeletionPolicy).toBe('Retain');
    expect(Object.keys(prod.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(0);
  });

  it('tells every function the bucket and the attachment settings', () => {
    const custom = synthTemplate({ maxAttachmentMB: '25', attachmentContentTypes: 'image/png,application/pdf', attachmentDailyQuotaMB: '500' });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ATTACHMENTS_BUCKET: { Ref: attachmentsBucket(custom)[0] },
          MAX_ATTACHMENT_BYTES: String(25 * 1024 * 1024),
          ATTACHMENT_CONTENT_TYPES: 'image/png,application/pdf',
          ATTACHMENT_DAILY_QUOTA_BYTES: String(500 * 1024 * 1024),
        }),
      },
    });
    expect(Object.keys(template.findOutputs('AttachmentsBucketName'))).toEqual(['AttachmentsBucketName']);
  });
});

describe('who may touch attachments', () => {
  const template = synthTemplate();

  /** Each policy's S3 actions, by the function whose role it is attached to. */
  function s3ActionsByPolicy(): Map<string, string[]> {
    const found = new Map<string, string[]>();
    for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
      const actions = (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
        .flatMap((statement) => [statement.Action].flat())
        .filter((action) => action.startsWith('s3:'));
      if (actions.length > 0) found.set(id, actions.sort());
    }
    return found;
  }

  it('grants each attachment function only what it does: upload writes, send reads and re-tags, the tagger re-tags, download reads, recall deletes', () => {
    const byPolicy = s3ActionsByPolicy();
    const policyOf = (prefix: string) => [...byPolicy.entries()].find(([id]) => id.startsWith(prefix))?.[1];
    expect(policyOf('ActionsAttachmentUploadHandler')).toEqual(['s3:PutObject', 's3:PutObjectTagging']);
    expect(policyOf('ActionsSendHandler')).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObjectTagging']);
    expect(policyOf('AttachmentConfirmationTagger')).toEqual(['s3:PutObjectTagging']);
    expect(policyOf('ActionsAttachmentDownloadHandler')).toEqual(['s3:GetObject']);
    expect(policyOf('ActionsMessageChangeHandler')).toEqual(['s3:DeleteObject']);
    // The server API's send runs the same attachment checks as `send`.
    expect(policyOf('ServerApiPostMessageHandler')).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObjectTagging']);
    // The erasure worker deletes the attachments of the direct conversations it erases (and recalls).
    expect(policyOf('ErasureWorker')).toEqual(['s3:DeleteObject']);
    // No other function of the stack reaches the bucket, and only the recall and the erasure may delete.
    expect(byPolicy.size).toBe(7);
  });
});

describe('AttachmentStorage grants', () => {
  /** A stack with the construct and one role per grant: which actions on which resources each gets. */
  function grantsOf(grant: (storage: AttachmentStorage, role: iam.Role) => void): { Action: string | string[]; Resource: unknown }[] {
    const stack = new Stack(new App(), 'Grants');
    const storage = new AttachmentStorage(stack, 'Attachments', { origins: ['https://chat.example.com'], retainData: false });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    grant(storage, role);
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }] } });
    return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  }
  const objects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^AttachmentsBucket/), 'Arn'] }, '/attachments/*']] };

  it('a recall deletes attachment objects and nothing else (grantDelete)', () => {
    expect(grantsOf((storage, role) => storage.grantDelete(role))).toEqual([expect.objectContaining({ Action: 's3:DeleteObject', Resource: objects })]);
  });

  it('uploads may write tagged objects under attachments/ only', () => {
    expect(grantsOf((storage, role) => storage.grantUpload(role))).toEqual([expect.objectContaining({ Action: ['s3:PutObject', 's3:PutObjectTagging'], Resource: objects })]);
  });

  it('downloads may read objects under attachments/ only', () => {
    expect(grantsOf((storage, role) => storage.grantDownload(role))).toEqual([expect.objectContaining({ Action: 's3:GetObject', Resource: objects })]);
  });
});
