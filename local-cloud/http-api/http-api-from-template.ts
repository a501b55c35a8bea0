import type { AccessChecker } from '../iam/access-checker.js';
import { httpApiInvokeAuthorizer } from '../iam/enforcement.js';
import type { FunctionInvoker } from '../lambda/invoker.js';
import type { CloudModel } from '../template/cloud-model.js';
import type { PhysicalResource } from '../template/intrinsics.js';
import { readHttpApi } from '../template/read-http-api.js';
import { apiCallers } from './callers.js';
import { HttpApiEmulator } from './http-api-emulator.js';

/** Where the local cloud serves the HTTP API on its HTTP port: `/api` stands for the stage's invoke URL. */
export const HTTP_API_BASE_PATH = '/api';

export interface LocalHttpApi {
  /** `http://127.0.0.1:PORT/api`: what `https://{apiId}.execute-api.{region}.amazonaws.com[/{stage}]` is locally. */
  readonly url: string;
  readonly apiId: string;
  readonly stage: string;
  /** The stage's access-log lines, oldest first (empty when the stage has no access logging). */
  readonly accessLogs: readonly string[];
}

/** The emulator of the template's HTTP API, or undefined when the template has none. */
export function httpApiFromTemplate(input: {
  model: CloudModel;
  resources: ReadonlyMap<string, PhysicalResource>;
  invoker: FunctionInvoker;
  functionName: (logicalId: string) => string;
  iam: AccessChecker | undefined;
}): HttpApiEmulator | undefined {
  const { model } = input;
  const spec = readHttpApi(model.template, input.resources);
  if (!spec) return undefined;
  const api = { apiId: spec.apiId, stage: spec.stageName, region: model.region, accountId: model.accountId };
  return new HttpApiEmulator({
    api,
    routes: spec.routes.map((route) => ({
      routeKey: route.routeKey,
      functionName: input.functionName(route.functionLogicalId),
      authorizationType: route.authorizationType,
      timeoutMs: route.timeoutMs,
    })),
    invoker: input.invoker,
    callers: apiCallers(model, input.resources),
    ...(input.iam ? { authorizeInvoke: httpApiInvokeAuthorizer(input.iam, model, { apiId: api.apiId, stage: api.stage }) } : {}),
    ...(spec.defaultThrottle ? { defaultThrottle: spec.defaultThrottle } : {}),
    routeThrottles: spec.routeThrottles,
    ...(spec.accessLog ? { accessLogFormat: spec.accessLog.format } : {}),
    stageVariables: spec.stageVariables,
    basePath: HTTP_API_BASE_PATH,
  });
}

export function localHttpApi(emulator: HttpApiEmulator, httpUrl: string): LocalHttpApi {
  return {
    url: `${httpUrl}${emulator.basePath}`,
    apiId: emulator.api.apiId,
    stage: emulator.api.stage,
    accessLogs: emulator.accessLogs,
  };
}
