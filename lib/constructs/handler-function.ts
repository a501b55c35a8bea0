import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
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
  timeout?: Duration;
  environment?: Record<string, string>;
}

/**
 * A Lambda function for one file of functions/handlers: Node.js 22 on arm64 (cheaper per GB-s),
 * bundled by the local esbuild as a minified ES module (no Docker), the AWS SDK v3 taken from
 * the runtime, source maps on, and a log group with a bounded retention.
 */
export class HandlerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
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
        POWERTOOLS_SERVICE_NAME: 'serverless-im',
        POWERTOOLS_METRICS_NAMESPACE: 'ServerlessIm',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        externalModules: ['@aws-sdk/*'],
        // Some CommonJS dependencies call require() on Node built-ins; ESM bundles need it defined.
        banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
    });
  }
}
