import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatRequestTime, newAwsId, newTraceId } from '../gateway/ids.js';
import { FunctionError, type FunctionInvoker } from '../lambda/invoker.js';
import type { HttpAuthorizationType, ThrottleSettings } from '../template/read-http-api.js';
import { type AccessLogContext, renderAccessLog } from './access-log.js';
import type { ApiCaller } from './callers.js';
import { accessDenied, API_ERRORS, type ApiError, sendApiError, signatureError } from './error-responses.js';
import { mapLambdaResult } from './integration-response.js';
import { type HttpApiFacts, httpApiEventV2, type IamCallerIdentity } from './proxy-event-v2.js';
import { RouteTable } from './route-matching.js';
import { SignatureVerifier } from './sigv4-verifier.js';
import { StageThrottle } from './throttle.js';

/**
 * API Gateway HTTP API emulator: serves one API's routes under a path prefix of the local cloud's
 * HTTP server (`/api` stands for the stage's invoke URL), checks SigV4 on `AWS_IAM` routes, applies
 * the stage's throttling, invokes the routes' functions with payload format 2.0 events, maps their
 * results to responses and writes the stage's access log.
 */

export interface HttpApiRoute {
  routeKey: string;
  functionName: string;
  authorizationType: HttpAuthorizationType;
  timeoutMs: number;
}

/** A function's call to `execute-api:Invoke`, as local IAM sees it; the answer is AWS's refusal message, if refused. */
export interface InvokeCall {
  accessKeyId: string;
  method: string;
  /** The request path below the stage (`/v1/users/u1`). */
  path: string;
}

export interface HttpApiConfig {
  api: HttpApiFacts;
  routes: HttpApiRoute[];
  invoker: FunctionInvoker;
  /** Who may sign, by access key id. */
  callers: ReadonlyMap<string, ApiCaller>;
  /** Local IAM's check of `execute-api:Invoke` for callers that are principals of the stack. */
  authorizeInvoke?: (call: InvokeCall) => string | undefined;
  defaultThrottle?: ThrottleSettings;
  routeThrottles?: Record<string, ThrottleSettings>;
  /** The stage's access-log format; each request adds one line to `accessLogs`. */
  accessLogFormat?: string;
  stageVariables?: Record<string, string>;
  /** Where the API is served on the local origin, e.g. `/api`. */
  basePath: string;
  /** HTTP APIs accept request bodies up to 10 MB. */
  maxBodyBytes?: number;
  now?: () => number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** Lower-case names; values of a repeated header joined with `,` (payload 2.0 and SigV4 both do). */
function combinedHeaders(rawHeaders: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    const value = rawHeaders[index + 1]!;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return headers;
}

/** Every `name=value` of every `Cookie` header, in order (the `cookies` of payload 2.0). */
function cookiesOf(rawHeaders: string[]): string[] {
  const cookies: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if (rawHeaders[index]!.toLowerCase() !== 'cookie') continue;
    for (const cookie of rawHeaders[index + 1]!.split(';')) if (cookie.trim() !== '') cookies.push(cookie.trim());
  }
  return cookies;
}

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

type Outcome = { kind: 'result'; value: unknown } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

export class HttpApiEmulator {
  /** Access-log lines, oldest first (bounded), when the stage has access logging. */
  readonly accessLogs: string[] = [];
  private readonly table: RouteTable<HttpApiRoute>;
  private readonly throttle: StageThrottle;
  private readonly verifier: SignatureVerifier;
  private readonly now: () => number;

  constructor(private readonly config: HttpApiConfig) {
    this.table = new RouteTable(config.routes.map((route) => ({ routeKey: route.routeKey, target: route })));
    this.now = config.now ?? Date.now;
    this.throttle = new StageThrottle(config.defaultThrottle, config.routeThrottles ?? {}, this.now);
    this.verifier = new SignatureVerifier({
      region: config.api.region,
      service: 'execute-api',
      secretOf: (accessKeyId) => config.callers.get(accessKeyId)?.secretAccessKey,
      now: this.now,
    });
  }

  /** The path prefix this API answers under. */
  get basePath(): string {
    return this.config.basePath;
  }

  get api(): HttpApiFacts {
    return this.config.api;
  }

  /** Serves the request when its path is under `basePath`; false otherwise (someone else's). */
  handle = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const wirePath = queryAt < 0 ? url : url.slice(0, queryAt);
    const { basePath } = this.config;
    if (wirePath !== basePath && !wirePath.startsWith(`${basePath}/`)) return false;
    await this.serve(request, response, wirePath, queryAt < 0 ? '' : url.slice(queryAt + 1));
    return true;
  };

  private async serve(request: IncomingMessage, response: ServerResponse, wirePath: string, rawQueryString: string): Promise<void> {
    const { api } = this.config;
    const requestId = newAwsId();
    const startedAt = this.now();
    const method = (request.method ?? 'GET').toUpperCase();
    const apiPath = wirePath.slice(this.config.basePath.length) || '/';
    // A named stage's invoke URL ends with the stage, and AWS keeps it in rawPath.
    const rawPath = api.stage === '$default' ? apiPath : `/${api.stage}${apiPath}`;
    const clientHeaders = combinedHeaders(request.rawHeaders);
    const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const log: Record<string, string | number | undefined> = {
      requestId,
      extendedRequestId: requestId,
      httpMethod: method,
      path: rawPath,
      protocol: `HTTP/${request.httpVersion}`,
      requestTime: formatRequestTime(startedAt),
      requestTimeEpoch: startedAt,
      'identity.sourceIp': sourceIp,
      'identity.userAgent': clientHeaders['user-agent'],
      apiId: api.apiId,
      stage: api.stage,
      domainName: `${api.apiId}.execute-api.${api.region}.amazonaws.com`,
      domainPrefix: api.apiId,
    };
    const fail = (error: ApiError): void => {
      log.status = error.status;
      log['error.message'] = error.message;
      log['error.messageString'] = JSON.stringify(error.message);
      log['error.responseType'] = error.responseType;
      log.responseLength = sendApiError(response, error, requestId);
    };

    try {
      let body: Buffer;
      try {
        body = await readBody(request, this.config.maxBodyBytes ?? 10 * 1024 * 1024);
      } catch (error) {
        if (!(error instanceof BodyTooLarge)) throw error;
        return fail(API_ERRORS.tooLarge);
      }
      const match = this.table.match(method, apiPath);
      if (!match) return fail(API_ERRORS.notFound);
      log.routeKey = match.routeKey;
      if (!this.throttle.allow(match.routeKey)) return fail(API_ERRORS.throttled);

      let iam: IamCallerIdentity | undefined;
      if (match.target.authorizationType === 'AWS_IAM') {
        const check = await this.verifier.verify({ method, path: wirePath, rawQuery: rawQueryString, headers: clientHeaders, body });
        if (!check.ok) return fail(check.reason === 'missing' ? API_ERRORS.forbidden : signatureError(check.message));
        const denial = this.config.authorizeInvoke?.({ accessKeyId: check.accessKeyId, method, path: apiPath });
        if (denial !== undefined) return fail(accessDenied(denial));
        iam = this.config.callers.get(check.accessKeyId)!.identity;
        Object.assign(log, {
          'identity.accessKey': iam.accessKey,
          'identity.accountId': iam.accountId,
          'identity.caller': iam.callerId,
          'identity.user': iam.userId,
          'identity.userArn': iam.userArn,
        });
      }

      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(clientHeaders)) if (name !== 'cookie' && !HOP_BY_HOP.has(name)) headers[name] = value;
      headers['content-length'] = String(body.length);
      headers['x-amzn-trace-id'] ??= newTraceId(startedAt);
      headers['x-forwarded-for'] = clientHeaders['x-forwarded-for'] ? `${clientHeaders['x-forwarded-for']}, ${sourceIp}` : sourceIp;
      headers['x-forwarded-port'] = String(request.socket.localPort ?? '');
      headers['x-forwarded-proto'] = 'http';
      const cookies = cookiesOf(request.rawHeaders);
      const event = httpApiEventV2({
        api,
        request: { method, rawPath, rawQueryString, headers, cookies, sourceIp, protocol: `HTTP/${request.httpVersion}`, body },
        routeKey: match.routeKey,
        pathParameters: match.pathParameters,
        requestId,
        now: startedAt,
        ...(iam ? { iam } : {}),
        stageVariables: this.config.stageVariables ?? {},
      });

      const invokedAt = this.now();
      const outcome = await this.invoke(match.target, event);
      log['integration.latency'] = log.integrationLatency = this.now() - invokedAt;
      if (outcome.kind === 'timeout') {
        log['integration.error'] = log.integrationErrorMessage = `the function did not answer within ${match.target.timeoutMs} ms`;
        return fail(API_ERRORS.integrationTimeout);
      }
      if (outcome.kind === 'error') {
        const error = outcome.error;
        const detail = error instanceof FunctionError ? `${error.errorType}: ${error.message}` : String(error);
        log['integration.error'] = log.integrationErrorMessage = detail;
        log['integration.status'] = log.integrationStatus = 200;
        console.warn(`[http-api] ${match.routeKey} (${match.target.functionName}) failed: ${detail}`);
        return fail(API_ERRORS.integrationFailure);
      }
      log['integration.status'] = log.integrationStatus = 200;
      const mapped = mapLambdaResult(outcome.value);
      if (!mapped.ok) {
        log['integration.error'] = log.integrationErrorMessage = mapped.reason;
        console.warn(`[http-api] ${match.routeKey} (${match.target.functionName}) returned a response API Gateway cannot read: ${mapped.reason}`);
        return fail(API_ERRORS.integrationFailure);
      }
      const { status, headers: responseHeaders, body: responseBody } = mapped.response;
      response.statusCode = status;
      const cookiesOut: string[] = [];
      for (const [name, value] of responseHeaders) {
        if (name.toLowerCase() === 'set-cookie') cookiesOut.push(value);
        else response.setHeader(name, value);
      }
      if (cookiesOut.length > 0) response.setHeader('set-cookie', cookiesOut);
      response.setHeader('content-length', responseBody.length);
      response.setHeader('apigw-requestid', requestId);
      response.end(responseBody);
      log.status = status;
      log.responseLength = responseBody.length;
    } finally {
      log.responseLatency = this.now() - startedAt;
      this.writeAccessLog(log);
    }
  }

  private async invoke(route: HttpApiRoute, event: unknown): Promise<Outcome> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), route.timeoutMs);
    });
    try {
      return await Promise.race([
        this.config.invoker.invoke(route.functionName, event).then(
          (value): Outcome => ({ kind: 'result', value }),
          (error: unknown): Outcome => ({ kind: 'error', error }),
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private writeAccessLog(context: AccessLogContext): void {
    if (this.config.accessLogFormat === undefined) return;
    this.accessLogs.push(renderAccessLog(this.config.accessLogFormat, context));
    if (this.accessLogs.length > 10_000) this.accessLogs.splice(0, 5_000);
  }
}
