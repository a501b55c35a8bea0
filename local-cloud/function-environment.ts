import type { FunctionSpec } from './template/cloud-model.js';
import { type LocalHttpApiUrl, localHttpApiUrl } from './http-api/local-url.js';
import { type ResolveContext, resolveValue } from './template/intrinsics.js';

export interface LocalEndpoints {
  dynamodb: string;
  sqs: string;
  secretsManager: string;
  /** Where the WebSocket gateway's Management API answers (http://127.0.0.1:PORT). */
  gatewayOrigin: string;
  /** The local S3 (http://127.0.0.1:PORT: an IP endpoint, so the SDK addresses buckets path-style). */
  s3?: string;
  /** The local EventBridge (`AWS_ENDPOINT_URL_EVENTBRIDGE`). */
  eventBridge?: string;
  /** The HTTP API: its `https://{apiId}.execute-api...[/{stage}]` URLs are pointed at `localUrl`. */
  httpApi?: LocalHttpApiUrl;
  /** The local SNS (mobile push) and Lambda Invoke API, when the local cloud runs them. */
  sns?: string;
  lambda?: string;
}

/** The secret that goes with every function's access key (the key alone names the function). */
export const FUNCTION_SECRET_ACCESS_KEY = 'local-secret-access-key';

/** Credentials a function signs with; one access key per function identifies its role locally. */
export function accessKeyIdOf(fn: FunctionSpec): string {
  return `LOCAL${fn.logicalId.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`.slice(0, 128);
}

/**
 * The environment a function sees: the variables its template gives it, resolved to local
 * physical names, plus the variables Lambda itself sets. Only endpoints differ from AWS: the SDK
 * reads `AWS_ENDPOINT_URL_<SERVICE>`, and the API's own `https://{api}.execute-api...` URL is
 * pointed at the local gateway.
 */
export function functionEnvironment(fn: FunctionSpec, context: ResolveContext, apiId: string | undefined, endpoints: LocalEndpoints): Record<string, string> {
  const managementOrigin = apiId ? `https://${apiId}.execute-api.${context.region}.amazonaws.com` : undefined;
  const environment: Record<string, string> = {};
  for (const [name, raw] of Object.entries(fn.environment)) {
    let value = String(resolveValue(raw, context));
    if (managementOrigin && value.startsWith(managementOrigin)) value = endpoints.gatewayOrigin + value.slice(managementOrigin.length);
    if (endpoints.httpApi) value = localHttpApiUrl(value, context.region, endpoints.httpApi);
    environment[name] = value;
  }
  return {
    ...environment,
    AWS_REGION: context.region,
    AWS_DEFAULT_REGION: context.region,
    AWS_ACCESS_KEY_ID: accessKeyIdOf(fn),
    AWS_SECRET_ACCESS_KEY: FUNCTION_SECRET_ACCESS_KEY,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    TZ: ':UTC',
    // Lambda runs Node.js 22; only the local stand-in runs the machine's Node.js 20.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    // DynamoDB Streams answers on the same endpoint (and front door) as DynamoDB.
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
    ...(endpoints.s3 ? { AWS_ENDPOINT_URL_S3: endpoints.s3 } : {}),
    ...(endpoints.eventBridge ? { AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventBridge } : {}),
    ...(endpoints.sns ? { AWS_ENDPOINT_URL_SNS: endpoints.sns } : {}),
    ...(endpoints.lambda ? { AWS_ENDPOINT_URL_LAMBDA: endpoints.lambda } : {}),
  };
}
