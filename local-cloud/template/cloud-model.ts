import type { MockIntegrationConfig } from '../gateway/mock-integration.js';
/**
 * What the local cloud needs to know about a synthesized stack, read from its CloudFormation
 * template. Values that CloudFormation would compute at deploy time (names, ARNs, URLs) stay
 * as raw template expressions until the local resources exist; see `intrinsics.ts`.
 */
export type TemplateValue = unknown;

export interface KeyElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

export interface IndexSpec {
  IndexName: string;
  KeySchema: KeyElement[];
  Projection: { ProjectionType?: string; NonKeyAttributes?: string[] };
}

export interface TableSpec {
  logicalId: string;
  name: string;
  keySchema: KeyElement[];
  attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  globalSecondaryIndexes: IndexSpec[];
  localSecondaryIndexes: IndexSpec[];
  ttlAttribute?: string;
  /** `StreamSpecification.StreamViewType`: the table has a DynamoDB stream. */
  streamViewType?: StreamViewType;
}

export type StreamViewType = 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';

export interface QueueSpec {
  logicalId: string;
  name: string;
  attributes: Record<string, string>;
  redrive?: { deadLetterLogicalId: string; maxReceiveCount: number };
}

export interface SecretSpec {
  logicalId: string;
  name: string;
  arn: string;
  /** Generation settings of `GenerateSecretString` (only the parts we honour). */
  generate?: { length: number; excludePunctuation: boolean };
  secretString?: string;
}

export interface FunctionSpec {
  logicalId: string;
  name: string;
  arn: string;
  /** Absolute path of the bundled module (the CDK asset) that holds the handler. */
  modulePath: string;
  /** Export of the module to call, from `Handler` (`index.handler` -> `handler`). */
  handlerExport: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Raw `Environment.Variables`, resolved once the resources they point at exist. */
  environment: Record<string, TemplateValue>;
  roleLogicalId?: string;
  reservedConcurrency?: number;
}

export type RouteSpec =
  | { routeKey: string; functionLogicalId: string; twoWay: boolean; mock?: undefined }
  /** A MOCK integration: API Gateway answers the frame itself from the integration's templates. */
  | { routeKey: string; mock: MockIntegrationConfig; twoWay: boolean; functionLogicalId?: undefined };

export interface ApiSpec {
  logicalId: string;
  apiId: string;
  routeSelectionExpression: string;
  stageName: string;
  routes: RouteSpec[];
  authorizer?: { functionLogicalId: string; identitySource: string[] };
}

export interface EventSourceMappingSpec {
  logicalId: string;
  functionLogicalId: string;
  queueLogicalId: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  maximumConcurrency?: number;
  enabled: boolean;
}

export interface BucketSpec {
  logicalId: string;
  name: string;
  arn: string;
  /** Raw `CorsConfiguration`, resolved once every physical name is known. */
  corsConfiguration?: TemplateValue;
  /** Raw `LifecycleConfiguration`: read for template tests, not run locally. */
  lifecycleConfiguration?: TemplateValue;
}

/** An `AWS::Lambda::EventSourceMapping` whose `EventSourceArn` is a table's stream (`local-cloud/streams/`). */
export interface StreamEventSourceMappingSpec {
  logicalId: string;
  functionLogicalId: string;
  tableLogicalId: string;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  bisectBatchOnFunctionError: boolean;
  /** -1: until the record expires. */
  maximumRetryAttempts: number;
  /** -1: the stream's retention (24 h). */
  maximumRecordAgeSeconds: number;
  parallelizationFactor: number;
  /** `FilterCriteria.Filters[].Pattern`, as JSON text. */
  filterPatterns: string[];
  /** `DestinationConfig.OnFailure.Destination`: a queue or topic of this stack. */
  onFailure?: { type: 'sqs' | 'sns'; logicalId: string };
  tumblingWindowSeconds?: number;
  enabled: boolean;
}

export interface CloudModel {
  stackName: string;
  region: string;
  accountId: string;
  tables: TableSpec[];
  queues: QueueSpec[];
  secrets: SecretSpec[];
  functions: FunctionSpec[];
  api?: ApiSpec;
  eventSourceMappings: EventSourceMappingSpec[];
  buckets: BucketSpec[];
  streamEventSourceMappings: StreamEventSourceMappingSpec[];
  /** The whole template, for the parts only some features need (IAM policies, outputs). */
  template: CloudFormationTemplate;
}

export interface CloudFormationResource {
  Type: string;
  Properties?: Record<string, TemplateValue>;
  Metadata?: Record<string, TemplateValue>;
  Condition?: string;
}

export interface CloudFormationTemplate {
  Resources: Record<string, CloudFormationResource>;
  Outputs?: Record<string, { Value: TemplateValue; Description?: string }>;
  Conditions?: Record<string, TemplateValue>;
  Parameters?: Record<string, { Default?: TemplateValue }>;
}
