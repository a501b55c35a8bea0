import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type {
  ApiSpec,
  CloudFormationResource,
  CloudFormationTemplate,
  CloudModel,
  EventSourceMappingSpec,
  FunctionSpec,
  IndexSpec,
  QueueSpec,
  RouteSpec,
  SecretSpec,
  TableSpec,
} from './cloud-model.js';
import type { MockIntegrationConfig, MockIntegrationResponse } from '../gateway/mock-integration.js';
import { inlineCodeModule } from './inline-code.js';
import type { PhysicalResource } from './intrinsics.js';

import { readStreamEventSourceMappings } from '../streams/read-stream-mappings.js';
import { assignPhysicalResources, type NamingOptions } from './physical-resources.js';
import { readBuckets } from './read-buckets.js';

/** Where `npm run synth` (`cdk synth`) writes the stack's template, relative to the project root. */
export const DEFAULT_TEMPLATE = path.join('cdk.out', 'ServerlessIm.template.json');

export interface ReadTemplateOptions {
  templatePath: string;
  /** Where the CDK assets live; defaults to the template's folder (cdk.out). */
  assetsDir?: string;
  region?: string;
  accountId?: string;
  suffix?: string;
}

export interface ReadTemplateResult {
  model: CloudModel;
  resources: Map<string, PhysicalResource>;
}

/** Logical ids a raw template value points at through `Ref` or `Fn::GetAtt`. */
export function referencedLogicalIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedLogicalIds);
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return [record.Ref];
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  if (typeof getAtt === 'string') return [getAtt.split('.')[0]!];
  return Object.values(record).flatMap(referencedLogicalIds);
}

function referenceOfType(template: CloudFormationTemplate, value: unknown, type: string): string | undefined {
  return referencedLogicalIds(value).find((id) => template.Resources[id]?.Type === type);
}

function resourcesOfType(template: CloudFormationTemplate, ...types: string[]): [string, CloudFormationResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => types.includes(resource.Type));
}

const props = (resource: CloudFormationResource): Record<string, unknown> => resource.Properties ?? {};

function readTables(template: CloudFormationTemplate, resources: Map<string, PhysicalResource>): TableSpec[] {
  return resourcesOfType(template, 'AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable').map(([logicalId, resource]) => {
    const p = props(resource);
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    const spec: TableSpec = {
      logicalId,
      name: resources.get(logicalId)!.ref,
      keySchema: p.KeySchema as TableSpec['keySchema'],
      attributeDefinitions: p.AttributeDefinitions as TableSpec['attributeDefinitions'],
      globalSecondaryIndexes: ((p.GlobalSecondaryIndexes as IndexSpec[] | undefined) ?? []).map(indexOf),
      localSecondaryIndexes: ((p.LocalSecondaryIndexes as IndexSpec[] | undefined) ?? []).map(indexOf),
    };
    if (ttl?.AttributeName && ttl.Enabled !== false) spec.ttlAttribute = ttl.AttributeName;
    const stream = p.StreamSpecification as { StreamViewType?: TableSpec['streamViewType'] } | undefined;
    if (stream?.StreamViewType) spec.streamViewType = stream.StreamViewType;
    return spec;
  });
}

const indexOf = (index: IndexSpec): IndexSpec => ({
  IndexName: index.IndexName,
  KeySchema: index.KeySchema,
  Projection: index.Projection,
});

const QUEUE_ATTRIBUTES = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'MaximumMessageSize',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const;

function readQueues(template: CloudFormationTemplate, resources: Map<string, PhysicalResource>): QueueSpec[] {
  return resourcesOfType(template, 'AWS::SQS::Queue').map(([logicalId, resource]) => {
    const p = props(resource);
    const attributes: Record<string, string> = {};
    for (const name of QUEUE_ATTRIBUTES) if (p[name] !== undefined) attributes[name] = String(p[name]);
    const spec: QueueSpec = { logicalId, name: resources.get(logicalId)!.attributes.QueueName!, attributes };
    const redrive = p.RedrivePolicy as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown } | undefined;
    if (redrive) {
      const deadLetterLogicalId = referenceOfType(template, redrive.deadLetterTargetArn, 'AWS::SQS::Queue');
      if (!deadLetterLogicalId) throw new Error(`${logicalId}: dead-letter queue must be a queue of this stack`);
      spec.redrive = { deadLetterLogicalId, maxReceiveCount: Number(redrive.maxReceiveCount) };
    }
    return spec;
  });
}

function readSecrets(template: CloudFormationTemplate, resources: Map<string, PhysicalResource>): SecretSpec[] {
  return resourcesOfType(template, 'AWS::SecretsManager::Secret').map(([logicalId, resource]) => {
    const p = props(resource);
    const arn = resources.get(logicalId)!.ref;
    const generate = p.GenerateSecretString as { PasswordLength?: number; ExcludePunctuation?: boolean } | undefined;
    const spec: SecretSpec = { logicalId, name: arn.split(':secret:')[1]!.replace(/-[a-z0-9]{6}$/, ''), arn };
    if (typeof p.SecretString === 'string') spec.secretString = p.SecretString;
    else spec.generate = { length: generate?.PasswordLength ?? 32, excludePunctuation: generate?.ExcludePunctuation ?? false };
    return spec;
  });
}

function bundledModule(assetDir: string, fileStem: string, logicalId: string): string {
  for (const extension of ['.mjs', '.js', '.cjs']) {
    const candidate = path.join(assetDir, `${fileStem}${extension}`);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${logicalId}: no bundled handler ${fileStem}.mjs/.js in ${assetDir} (run npm run synth)`);
}

function readFunctions(template: CloudFormationTemplate, resources: Map<string, PhysicalResource>, assetsDir: string): FunctionSpec[] {
  return resourcesOfType(template, 'AWS::Lambda::Function').map(([logicalId, resource]) => {
    const p = props(resource);
    const assetPath = resource.Metadata?.['aws:asset:path'];
    const inlineCode = (p.Code as { ZipFile?: unknown } | undefined)?.ZipFile;
    if (typeof assetPath !== 'string' && typeof inlineCode !== 'string') throw new Error(`${logicalId}: only functions with CDK asset or inline code can run locally`);
    const handler = String(p.Handler ?? 'index.handler');
    const dot = handler.lastIndexOf('.');
    const physical = resources.get(logicalId)!;
    const spec: FunctionSpec = {
      logicalId,
      name: physical.ref,
      arn: physical.attributes.Arn!,
      modulePath:
        typeof assetPath === 'string'
          ? bundledModule(path.resolve(assetsDir, assetPath), handler.slice(0, dot), logicalId)
          : inlineCodeModule(String(inlineCode), handler.slice(0, dot)),
      handlerExport: handler.slice(dot + 1),
      runtime: String(p.Runtime ?? 'nodejs22.x'),
      timeoutSeconds: Number(p.Timeout ?? 3),
      memoryMb: Number(p.MemorySize ?? 128),
      environment: ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}),
    };
    const role = referenceOfType(template, p.Role, 'AWS::IAM::Role');
    if (role) spec.roleLogicalId = role;
    if (p.ReservedConcurrentExecutions !== undefined) spec.reservedConcurrency = Number(p.ReservedConcurrentExecutions);
    return spec;
  });
}

function functionOfIntegrationUri(template: CloudFormationTemplate, uri: unknown, where: string): string {
  const functionLogicalId = referenceOfType(template, uri, 'AWS::Lambda::Function');
  if (!functionLogicalId) throw new Error(`${where}: only Lambda integrations of this stack are supported locally`);
  return functionLogicalId;
}

/** A MOCK integration's request templates and the integration responses that belong to it. */
function mockIntegrationOf(template: CloudFormationTemplate, integrationId: string, integration: Record<string, unknown>): MockIntegrationConfig {
  const responses = resourcesOfType(template, 'AWS::ApiGatewayV2::IntegrationResponse')
    .filter(([, r]) => referencedLogicalIds(props(r).IntegrationId).includes(integrationId))
    .map(([, r]) => {
      const rp = props(r);
      const response: MockIntegrationResponse = {
        key: String(rp.IntegrationResponseKey),
        templates: (rp.ResponseTemplates as Record<string, string> | undefined) ?? {},
      };
      if (rp.TemplateSelectionExpression !== undefined) response.templateSelectionExpression = String(rp.TemplateSelectionExpression);
      return response;
    });
  const config: MockIntegrationConfig = {
    requestTemplates: (integration.RequestTemplates as Record<string, string> | undefined) ?? {},
    responses,
  };
  if (integration.TemplateSelectionExpression !== undefined) config.templateSelectionExpression = String(integration.TemplateSelectionExpression);
  return config;
}

function readApi(template: CloudFormationTemplate, resources: Map<string, PhysicalResource>): ApiSpec | undefined {
  const apis = resourcesOfType(template, 'AWS::ApiGatewayV2::Api').filter(([, r]) => props(r).ProtocolType === 'WEBSOCKET');
  if (apis.length === 0) return undefined;
  if (apis.length > 1) throw new Error('the local cloud runs one WebSocket API per stack');
  const [apiLogicalId, api] = apis[0]!;
  const belongsToApi = ([, resource]: [string, CloudFormationResource]): boolean =>
    referencedLogicalIds(props(resource).ApiId).includes(apiLogicalId);

  const stage = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage').find(belongsToApi);
  if (!stage) throw new Error(`${apiLogicalId}: the WebSocket API has no stage`);
  const routeResponses = resourcesOfType(template, 'AWS::ApiGatewayV2::RouteResponse').filter(belongsToApi);
  const twoWayRoutes = new Set(routeResponses.flatMap(([, r]) => referencedLogicalIds(props(r).RouteId)));

  const routes: RouteSpec[] = [];
  let authorizer: ApiSpec['authorizer'];
  for (const [routeLogicalId, route] of resourcesOfType(template, 'AWS::ApiGatewayV2::Route').filter(belongsToApi)) {
    const p = props(route);
    const integrationId = referenceOfType(template, p.Target, 'AWS::ApiGatewayV2::Integration');
    if (!integrationId) throw new Error(`${routeLogicalId}: route has no integration of this stack`);
    const integration = props(template.Resources[integrationId]!);
    const routeKey = String(p.RouteKey);
    const twoWay = twoWayRoutes.has(routeLogicalId);
    routes.push(
      integration.IntegrationType === 'MOCK'
        ? { routeKey, mock: mockIntegrationOf(template, integrationId, integration), twoWay }
        : { routeKey, functionLogicalId: functionOfIntegrationUri(template, integration.IntegrationUri, integrationId), twoWay },
    );
    const authorizerId = referenceOfType(template, p.AuthorizerId, 'AWS::ApiGatewayV2::Authorizer');
    if (authorizerId) {
      if (p.RouteKey !== '$connect') throw new Error(`${routeLogicalId}: WebSocket authorizers only apply to $connect`);
      const a = props(template.Resources[authorizerId]!);
      authorizer = {
        functionLogicalId: functionOfIntegrationUri(template, a.AuthorizerUri, authorizerId),
        identitySource: (a.IdentitySource as string[] | undefined) ?? [],
      };
    }
  }
  const spec: ApiSpec = {
    logicalId: apiLogicalId,
    apiId: resources.get(apiLogicalId)!.ref,
    routeSelectionExpression: String(props(api).RouteSelectionExpression ?? '$request.body.action'),
    stageName: resources.get(stage[0])!.ref,
    routes,
  };
  if (authorizer) spec.authorizer = authorizer;
  return spec;
}

function readEventSourceMappings(template: CloudFormationTemplate): EventSourceMappingSpec[] {
  return resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').flatMap(([logicalId, resource]) => {
    const p = props(resource);
    const queueLogicalId = referenceOfType(template, p.EventSourceArn, 'AWS::SQS::Queue');
    const functionLogicalId = referenceOfType(template, p.FunctionName, 'AWS::Lambda::Function');
    if (!queueLogicalId || !functionLogicalId) return [];
    const spec: EventSourceMappingSpec = {
      logicalId,
      functionLogicalId,
      queueLogicalId,
      batchSize: Number(p.BatchSize ?? 10),
      maximumBatchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
      reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
      enabled: p.Enabled !== false,
    };
    const scaling = p.ScalingConfig as { MaximumConcurrency?: number } | undefined;
    if (scaling?.MaximumConcurrency !== undefined) spec.maximumConcurrency = Number(scaling.MaximumConcurrency);
    return [spec];
  });
}

/** Reads a synthesized template (`cdk.out/<Stack>.template.json`) into what the local cloud runs. */
export function readTemplate(options: ReadTemplateOptions): ReadTemplateResult {
  const template = JSON.parse(readFileSync(options.templatePath, 'utf8')) as CloudFormationTemplate;
  const naming: NamingOptions = {
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
    stackName: path.basename(options.templatePath).replace(/\.template\.json$/, ''),
    suffix: options.suffix ?? 'local',
  };
  const resources = assignPhysicalResources(template, naming);
  const assetsDir = options.assetsDir ?? path.dirname(options.templatePath);
  const model: CloudModel = {
    stackName: naming.stackName,
    region: naming.region,
    accountId: naming.accountId,
    tables: readTables(template, resources),
    queues: readQueues(template, resources),
    secrets: readSecrets(template, resources),
    functions: readFunctions(template, resources, assetsDir),
    eventSourceMappings: readEventSourceMappings(template),
    buckets: readBuckets(template, resources),
    streamEventSourceMappings: readStreamEventSourceMappings(template, (value, ...types) =>
      referencedLogicalIds(value).find((id) => types.includes(template.Resources[id]?.Type ?? '')),
    ),
    template,
  };
  const api = readApi(template, resources);
  if (api) model.api = api;
  return { model, resources };
}
