import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { build } from 'esbuild';

/**
 * A tiny CDK stack for the local S3's tests, synthesized the way `cdk synth` does (assets
 * written, asset metadata on): a private bucket with CORS for loopback pages, a lifecycle rule,
 * access logs to a second bucket and `autoDeleteObjects`, and three functions running `fixture-handler.ts`:
 *
 * - `Uploader`, granted put, read and delete on the bucket (CDK's `grantPut`/`grantRead`/`grantDelete`);
 * - `PutOnly`, granted only `grantPut`: it may presign a GET, but S3 refuses the URL when used;
 * - `ReaderNoList`, granted `s3:GetObject` on the objects and nothing on the bucket.
 *
 * The local cloud needs a WebSocket API to start, so the stack has a minimal one.
 */

export const ALLOWED_ORIGIN_PATTERN = 'http://127.0.0.1:*';

export interface FixtureStack {
  templatePath: string;
  outdir: string;
}

export async function synthS3FixtureStack(): Promise<FixtureStack> {
  const outdir = mkdtempSync(path.join(tmpdir(), 's3-fixture-'));
  const codeDir = path.join(outdir, 'handler-src');
  mkdirSync(codeDir);
  await build({
    entryPoints: [path.join(import.meta.dirname, 'fixture-handler.ts')],
    outfile: path.join(codeDir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'silent',
  });

  const app = new App({ outdir: path.join(outdir, 'cdk.out'), context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'S3Fixture', { env: { region: 'us-east-1', account: '123456789012' } });
  // What the issue asks of the attachments bucket: access logs, and a stack that can be torn down
  // (autoDeleteObjects adds a custom-resource function the local cloud must read, not run).
  const accessLogs = new s3.Bucket(stack, 'AccessLogs', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const bucket = new s3.Bucket(stack, 'Attachments', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    serverAccessLogsBucket: accessLogs,
    autoDeleteObjects: true,
    removalPolicy: RemovalPolicy.DESTROY,
    cors: [
      {
        allowedOrigins: [ALLOWED_ORIGIN_PATTERN],
        allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
        allowedHeaders: ['*'],
        exposedHeaders: ['ETag'],
        maxAge: 600,
      },
    ],
    lifecycleRules: [{ id: 'unattached', prefix: 'pending/', expiration: Duration.days(1) }],
  });

  const code = lambda.Code.fromAsset(codeDir);
  const fixtureFunction = (id: string): lambda.Function =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code,
      timeout: Duration.seconds(30),
      environment: { BUCKET_NAME: bucket.bucketName },
    });
  const uploader = fixtureFunction('Uploader');
  bucket.grantPut(uploader);
  bucket.grantRead(uploader);
  bucket.grantDelete(uploader);
  const putOnly = fixtureFunction('PutOnly');
  bucket.grantPut(putOnly);
  // Nothing else: the role may write objects, not read, list or delete them.
  const readerNoList = fixtureFunction('ReaderNoList');
  readerNoList.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }));

  const api = new WebSocketApi(stack, 'Api', { defaultRouteOptions: { integration: new WebSocketLambdaIntegration('DefaultIntegration', uploader) } });
  new WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'test', autoDeploy: true });

  const assembly = app.synth();
  return { templatePath: path.join(assembly.directory, 'S3Fixture.template.json'), outdir };
}
