import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

const HANDLERS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'functions', 'handlers');

export interface HandlerFunctionProps {
  /** File name in functions/handlers without extension, e.g. `ping`. */
  handler: string;
  description: string;
  /** Small handlers doing one or two DynamoDB calls are I/O bound: 256 MB is plenty and cheapest. */
  memorySize?: number;
  /** 10 s by default: a request-path handler makes a few DynamoDB calls (tens of ms each), well under API Gateway's 29 s. */
  timeout?: Duration;
  environment?: Record<string, string>;
  /** Days the function's logs are kept (CDK context `logRetentionDays`, default 30). */
  logRetentionDays?: number;
}

/** Powertools settings of every function: the EMF namespace and the `service` dimension it adds. */
export const METRICS_NAMESPACE = 'ServerlessIm';
export const SERVICE_NAME = 'serverless-im';

/**
 * The AWS SDK packages the Lambda runtime ships. The functions do NOT take them from the runtime:
 * they bundle the SDK (`externalModules: []`), because loading it from the runtime's node_modules
 * (hundreds of files) made every handler's init 160-190 ms against 45-70 ms bundled (`npm run
 * bench`, "Cold start"), and Lambda bills init time. Bundling also runs in AWS exactly the SDK
 * version the tests ran. The list stays for the bench, which builds the runtime variant to compare.
 */
export const SDK_FROM_RUNTIME = [
  '@aws-sdk/client-*',
  '@aws-sdk/lib-*',
  '@aws-sdk/util-*',
  '@aws-sdk/core',
  '@aws-sdk/core/*',
  '@aws-sdk/types',
  '@aws-sdk/signature-v4-multi-region',
  '@aws-sdk/middleware-*',
  '@aws-sdk/credential-provider*',
];

/** The log retention every function of the stack uses unless told otherwise. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/**
 * A Lambda function for one file of functions/handlers: Node.js 22 on arm64 (cheaper per GB-s),
 * bundled by the local esbuild as a minified ES module (no Docker) with the AWS SDK v3 inside
 * (see SDK_FROM_RUNTIME for why), source maps on, and a log group with a bounded retention.
 */
export class HandlerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: (props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS) as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: path.join(HANDLERS_DIR, `${props.handler}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // Nothing external: NodejsFunction would otherwise leave `@aws-sdk/*` to the runtime.
        externalModules: [],
        // Some CommonJS dependencies call require() on Node built-ins; ESM bundles need it defined.
        banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is chosen on purpose (supported by Lambda until 2027): the esbuild target, the local cloud and the tests run it; a newer runtime is a reviewed change of its own, not a lint fix.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'AWSLambdaBasicExecutionRole grants only CloudWatch Logs writes (CreateLogGroup, CreateLogStream, PutLogEvents), what every function needs for its logs; the local cloud models exactly this policy.',
    });
  }
}
