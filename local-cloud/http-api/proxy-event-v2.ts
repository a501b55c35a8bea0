import { formatRequestTime } from '../gateway/ids.js';
import { parseQuery } from './query-string.js';

/**
 * Lambda proxy events of payload format 2.0, as API Gateway HTTP APIs send them (developer guide,
 * "Create AWS Lambda proxy integrations for HTTP APIs"; events captured from AWS in
 * test/fixtures/aws-events). Keys that have no value are left out, as AWS leaves them out:
 * `cookies`, `queryStringParameters`, `pathParameters`, `stageVariables` and `body`.
 */

export interface HttpApiFacts {
  apiId: string;
  stage: string;
  region: string;
  accountId: string;
}

/** `requestContext.authorizer.iam` of a route with `AWS_IAM` authorization. */
export interface IamCallerIdentity {
  accessKey: string;
  accountId: string;
  callerId: string;
  cognitoIdentity: null;
  principalOrgId: null;
  userArn: string;
  userId: string;
}

export interface HttpRequestFacts {
  method: string;
  /** As AWS shows it: still percent-encoded, and starting with `/{stage}` on a named stage. */
  rawPath: string;
  rawQueryString: string;
  /** Lower-case names, repeated headers joined with `,`, the `cookie` header left out. */
  headers: Record<string, string>;
  cookies: string[];
  sourceIp: string;
  protocol: string;
  body: Buffer;
}

export interface HttpApiEventV2 {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    authorizer?: { iam: IamCallerIdentity };
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  pathParameters?: Record<string, string>;
  isBase64Encoded: boolean;
  stageVariables?: Record<string, string>;
}

/**
 * Bodies API Gateway passes as text; any other content type (or none) arrives base64-encoded
 * with `isBase64Encoded: true`.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/(json|javascript|xml|yaml|x-yaml|x-www-form-urlencoded|graphql)$/.test(type) ||
    /^application\/[a-z0-9.+-]+\+(json|xml)$/.test(type)
  );
}

/** Format 2.0 joins the values of a repeated query parameter with commas. */
function queryStringParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(parseQuery(rawQueryString))) parameters[name] = Array.isArray(value) ? value.join(',') : value;
  return parameters;
}

export function httpApiEventV2(input: {
  api: HttpApiFacts;
  request: HttpRequestFacts;
  routeKey: string;
  pathParameters: Record<string, string>;
  requestId: string;
  now: number;
  iam?: IamCallerIdentity;
  stageVariables: Record<string, string>;
}): HttpApiEventV2 {
  const { api, request } = input;
  const domainName = `${api.apiId}.execute-api.${api.region}.amazonaws.com`;
  const query = queryStringParameters(request.rawQueryString);
  const text = isTextContentType(request.headers['content-type']);
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    ...(request.cookies.length > 0 ? { cookies: [...request.cookies] } : {}),
    headers: { ...request.headers },
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: api.accountId,
      apiId: api.apiId,
      ...(input.iam ? { authorizer: { iam: { ...input.iam } } } : {}),
      domainName,
      domainPrefix: api.apiId,
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: request.headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: input.routeKey,
      stage: api.stage,
      time: formatRequestTime(input.now),
      timeEpoch: input.now,
    },
    ...(request.body.length > 0 ? { body: text ? request.body.toString('utf8') : request.body.toString('base64') } : {}),
    ...(Object.keys(input.pathParameters).length > 0 ? { pathParameters: { ...input.pathParameters } } : {}),
    isBase64Encoded: request.body.length > 0 && !text,
    ...(Object.keys(input.stageVariables).length > 0 ? { stageVariables: { ...input.stageVariables } } : {}),
  };
}
