import type { CloudFormationResource, CloudFormationTemplate } from './cloud-model.js';
import type { PhysicalResource } from './intrinsics.js';
import { referencedLogicalIds } from './read-template.js';

/**
 * The HTTP API (`AWS::ApiGatewayV2::Api` with `ProtocolType: HTTP`) of a synthesized template:
 * its routes and Lambda proxy integrations, and the stage's throttling and access-log settings.
 * Read apart from the WebSocket API (`read-template.ts`), which the local cloud always needs.
 */

export type HttpAuthorizationType = 'NONE' | 'AWS_IAM';

export interface HttpRouteSpec {
  /** `GET /v1/users/{id}`, `ANY /v1/files/{proxy+}` or `$default`. */
  routeKey: string;
  functionLogicalId: string;
  authorizationType: HttpAuthorizationType;
  /** The integration's `TimeoutInMillis` (30 s when absent, the most HTTP APIs allow). */
  timeoutMs: number;
}

export interface ThrottleSettings {
  burstLimit?: number;
  rateLimit?: number;
}

export interface HttpApiSpec {
  logicalId: string;
  apiId: string;
  /** `$default`, or a named stage (whose name then starts every path, `rawPath` included). */
  stageName: string;
  routes: HttpRouteSpec[];
  /** `DefaultRouteSettings` of the stage; absent: only the account's limits apply. */
  defaultThrottle?: ThrottleSettings;
  /** `RouteSettings` of the stage, by route key. */
  routeThrottles: Record<string, ThrottleSettings>;
  /** `AccessLogSettings`: the log group and the `$context` format of one line per request. */
  accessLog?: { destinationLogicalId?: string; format: string };
  stageVariables: Record<string, string>;
}

const props = (resource: CloudFormationResource): Record<string, unknown> => resource.Properties ?? {};

const ofType = (template: CloudFormationTemplate, type: string): [string, CloudFormationResource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

/** CloudFormation takes these both ways (`ThrottlingBurstLimit`, and CDK passes raw keys through). */
function throttleOf(value: unknown): ThrottleSettings | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  const burst = record.ThrottlingBurstLimit ?? record.throttlingBurstLimit;
  const rate = record.ThrottlingRateLimit ?? record.throttlingRateLimit;
  if (burst === undefined && rate === undefined) return undefined;
  return { ...(burst === undefined ? {} : { burstLimit: Number(burst) }), ...(rate === undefined ? {} : { rateLimit: Number(rate) }) };
}

/** The one HTTP API of the template, or undefined when it has none. */
export function readHttpApi(template: CloudFormationTemplate, resources: ReadonlyMap<string, PhysicalResource>): HttpApiSpec | undefined {
  const apis = ofType(template, 'AWS::ApiGatewayV2::Api').filter(([, api]) => props(api).ProtocolType === 'HTTP');
  if (apis.length === 0) return undefined;
  if (apis.length > 1) throw new Error('the local cloud serves one HTTP API per stack (at /api/)');
  const [apiLogicalId, api] = apis[0]!;
  if (props(api).Body !== undefined || props(api).BodyS3Location !== undefined) {
    throw new Error(`${apiLogicalId}: HTTP APIs defined by an OpenAPI body are not read locally; declare routes and integrations as resources`);
  }
  const belongsToApi = ([, resource]: [string, CloudFormationResource]): boolean => referencedLogicalIds(props(resource).ApiId).includes(apiLogicalId);

  const stages = ofType(template, 'AWS::ApiGatewayV2::Stage').filter(belongsToApi);
  if (stages.length === 0) throw new Error(`${apiLogicalId}: the HTTP API has no stage`);
  // Several stages serve the same routes; the local cloud serves the first one.
  const [stageLogicalId, stage] = stages[0]!;
  const stageProps = props(stage);

  const routes: HttpRouteSpec[] = ofType(template, 'AWS::ApiGatewayV2::Route')
    .filter(belongsToApi)
    .map(([routeLogicalId, route]) => {
      const p = props(route);
      const integrationId = referencedLogicalIds(p.Target).find((id) => template.Resources[id]?.Type === 'AWS::ApiGatewayV2::Integration');
      if (!integrationId) throw new Error(`${routeLogicalId}: route has no integration of this stack`);
      const integration = props(template.Resources[integrationId]!);
      if (integration.IntegrationType !== 'AWS_PROXY') throw new Error(`${integrationId}: only AWS_PROXY (Lambda) integrations are emulated locally`);
      const functionLogicalId = referencedLogicalIds(integration.IntegrationUri).find((id) => template.Resources[id]?.Type === 'AWS::Lambda::Function');
      if (!functionLogicalId) throw new Error(`${integrationId}: only Lambda integrations of this stack are supported locally`);
      const authorizationType = String(p.AuthorizationType ?? 'NONE');
      if (authorizationType !== 'NONE' && authorizationType !== 'AWS_IAM') {
        throw new Error(`${routeLogicalId}: ${authorizationType} authorization is not emulated locally (NONE and AWS_IAM are)`);
      }
      const version = String(integration.PayloadFormatVersion ?? '1.0');
      if (version !== '2.0') throw new Error(`${integrationId}: payload format ${version} is not emulated locally (2.0 is)`);
      return {
        routeKey: String(p.RouteKey),
        functionLogicalId,
        authorizationType,
        timeoutMs: Number(integration.TimeoutInMillis ?? 30_000),
      };
    });

  const routeThrottles: Record<string, ThrottleSettings> = {};
  const routeSettings = stageProps.RouteSettings;
  if (routeSettings !== null && typeof routeSettings === 'object') {
    for (const [routeKey, settings] of Object.entries(routeSettings as Record<string, unknown>)) {
      const throttle = throttleOf(settings);
      if (throttle) routeThrottles[routeKey] = throttle;
    }
  }
  const spec: HttpApiSpec = {
    logicalId: apiLogicalId,
    apiId: resources.get(apiLogicalId)!.ref,
    stageName: resources.get(stageLogicalId)!.ref,
    routes,
    routeThrottles,
    stageVariables: Object.fromEntries(Object.entries((stageProps.StageVariables as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, String(v)])),
  };
  const defaultThrottle = throttleOf(stageProps.DefaultRouteSettings);
  if (defaultThrottle) spec.defaultThrottle = defaultThrottle;
  const accessLog = stageProps.AccessLogSettings as { DestinationArn?: unknown; Format?: unknown } | undefined;
  if (accessLog && typeof accessLog.Format === 'string') {
    const destinationLogicalId = referencedLogicalIds(accessLog.DestinationArn)[0];
    spec.accessLog = { format: accessLog.Format, ...(destinationLogicalId ? { destinationLogicalId } : {}) };
  }
  return spec;
}
