import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface AttachmentStorageProps {
  /** Web origins whose pages upload and download (CORS); each may hold one `*`. */
  origins: string[];
  /** Keep the bucket and its objects when the stack is deleted (`retainData`). */
  retainData: boolean;
}

/**
 * Where attachments live: one private S3 bucket that clients reach only through presigned URLs.
 *
 * Every object is `attachments/{attachmentId}`. An upload arrives tagged `attachment=pending`
 * (the presigned PUT signs the tag header, so a client cannot leave it out); `send` re-tags it
 * `attachment=sending` before the message is stored, and the Conversations stream tags it
 * `attachment=attached` once the message exists (attachment-confirmation.ts). The lifecycle rules
 * delete what is still pending a day after upload (files picked and never sent) and what is still
 * sending a week after upload (a send that failed and was never retried). A recall deletes the
 * object itself.
 */
export class AttachmentStorage extends Construct {
  /** The key prefix of every attachment (grants are scoped to it). */
  static readonly PREFIX = 'attachments/';
  /** The tag an upload carries until a message refers to it. */
  static readonly PENDING_TAG = { key: 'attachment', value: 'pending' } as const;
  /** The tag an upload carries between `send` naming it and its message being stored. */
  static readonly SENDING_TAG = { key: 'attachment', value: 'sending' } as const;
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: AttachmentStorageProps) {
    super(scope, id);
    // Log delivery through a bucket policy (what S3 recommends), not the LogDeliveryWrite ACL the
    // CDK otherwise sets when the app's cdk.json does not name this flag (test apps do not).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const removal = props.retainData
      ? { removalPolicy: RemovalPolicy.RETAIN }
      : // A dev stack tears down cleanly: CDK's custom resource empties the bucket first.
        { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true };
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      ...removal,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket holds the server access logs of the attachments bucket; logging the log bucket would only log log deliveries (and S3 advises against a bucket logging to itself).',
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'attachments/',
      cors: [
        {
          allowedOrigins: props.origins,
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag', 'Content-Length', 'Content-Type', 'Content-Disposition'],
          maxAge: 3_000,
        },
      ],
      lifecycleRules: [
        {
          id: 'delete-unattached-uploads',
          prefix: AttachmentStorage.PREFIX,
          tagFilters: { [AttachmentStorage.PENDING_TAG.key]: AttachmentStorage.PENDING_TAG.value },
          expiration: Duration.days(1),
        },
        {
          // Longer than pending: a send retried after a lost reply (the SDK's outbox) still finds its file.
          id: 'delete-unsent-attachments',
          prefix: AttachmentStorage.PREFIX,
          tagFilters: { [AttachmentStorage.SENDING_TAG.key]: AttachmentStorage.SENDING_TAG.value },
          expiration: Duration.days(7),
        },
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      ...removal,
    });
  }

  private get objects(): string {
    return this.bucket.arnForObjects(`${AttachmentStorage.PREFIX}*`);
  }

  /** `attachmentUpload`: presigns PUTs that write a tagged object (the signer needs both actions). */
  grantUpload(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:PutObjectTagging'], resources: [this.objects] }));
    this.acknowledgeObjectWildcard(grantee);
  }

  /**
   * `send`: reads what S3 holds (HeadObject; `s3:ListBucket` makes a missing object 404 rather
   * than 403) and re-tags it sending.
   */
  grantAttach(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObjectTagging'], resources: [this.objects] }));
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': `${AttachmentStorage.PREFIX}*` } } }),
    );
    this.acknowledgeObjectWildcard(grantee);
  }

  /** The Conversations stream's tagger: re-tags the upload of a stored message attached. */
  grantConfirm(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObjectTagging'], resources: [this.objects] }));
    this.acknowledgeObjectWildcard(grantee);
  }

  /** `attachmentDownload`: presigns GETs. */
  grantDownload(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.objects] }));
    this.acknowledgeObjectWildcard(grantee);
  }

  /** A recall deletes the attachment of the recalled message (`functions/attachments/delete-attachment.ts`). */
  grantDelete(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [this.objects] }));
    this.acknowledgeObjectWildcard(grantee);
  }

  private acknowledgeObjectWildcard(grantee: iam.IGrantable): void {
    const role = grantee.grantPrincipal;
    if (!(role instanceof Construct)) return;
    const policy = role.node.tryFindChild('DefaultPolicy');
    Validations.of(policy ?? role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOfBucket()}.Arn>/attachments/*]`,
      reason:
        'Attachments are one object per attachmentId under attachments/, created at run time; the grant covers that prefix of the attachments bucket only, and the handler derives every key from an id it checked.',
    });
  }

  private logicalIdOfBucket(): string {
    const stack = this.bucket.stack;
    return stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
  }
}
