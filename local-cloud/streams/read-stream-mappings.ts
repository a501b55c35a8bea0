/**
 * Reads the `AWS::Lambda::EventSourceMapping` resources whose `EventSourceArn` is the stream of a
 * table of the stack (`Fn::GetAtt [Table, StreamArn]`), with Lambda's defaults for DynamoDB
 * streams, and refuses what CreateEventSourceMapping would refuse.
 */
import type { CloudFormationTemplate, StreamEventSourceMappingSpec } from '../template/cloud-model.js';

/** The logical id of the resource of one of `types` that a template value points at. */
export type ReferenceFinder = (value: unknown, ...types: string[]) => string | undefined;

const TABLE_TYPES = ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'];

/** Lambda's limits for DynamoDB stream sources (services-ddb-params). */
const LIMITS = {
  batchSize: [1, 10_000],
  maximumBatchingWindowSeconds: [0, 300],
  maximumRetryAttempts: [-1, 10_000],
  parallelizationFactor: [1, 10],
} as const;

export function readStreamEventSourceMappings(template: CloudFormationTemplate, referenceOf: ReferenceFinder): StreamEventSourceMappingSpec[] {
  const specs: StreamEventSourceMappingSpec[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const p = resource.Properties ?? {};
    const tableLogicalId = referenceOf(p.EventSourceArn, ...TABLE_TYPES);
    const functionLogicalId = referenceOf(p.FunctionName, 'AWS::Lambda::Function');
    if (!tableLogicalId || !functionLogicalId) continue;
    const table = template.Resources[tableLogicalId]!;
    if (!table.Properties?.StreamSpecification) {
      throw new Error(`${logicalId}: ${tableLogicalId} has no StreamSpecification, so it has no stream to map`);
    }
    const startingPosition = p.StartingPosition;
    if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST') {
      throw new Error(`${logicalId}: a DynamoDB stream mapping needs StartingPosition TRIM_HORIZON or LATEST, got ${JSON.stringify(startingPosition)}`);
    }
    const number = (name: string, fallback: number): number => (p[name] === undefined ? fallback : Number(p[name]));
    const spec: StreamEventSourceMappingSpec = {
      logicalId,
      functionLogicalId,
      tableLogicalId,
      startingPosition,
      batchSize: number('BatchSize', 100),
      maximumBatchingWindowSeconds: number('MaximumBatchingWindowInSeconds', 0),
      reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
      bisectBatchOnFunctionError: p.BisectBatchOnFunctionError === true || p.BisectBatchOnFunctionError === 'true',
      maximumRetryAttempts: number('MaximumRetryAttempts', -1),
      maximumRecordAgeSeconds: number('MaximumRecordAgeInSeconds', -1),
      parallelizationFactor: number('ParallelizationFactor', 1),
      filterPatterns: ((p.FilterCriteria as { Filters?: { Pattern?: unknown }[] } | undefined)?.Filters ?? []).map((filter) => String(filter.Pattern)),
      enabled: p.Enabled !== false && p.Enabled !== 'false',
    };
    const destination = (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination;
    if (destination !== undefined) {
      const queue = referenceOf(destination, 'AWS::SQS::Queue');
      const topic = referenceOf(destination, 'AWS::SNS::Topic');
      if (queue) spec.onFailure = { type: 'sqs', logicalId: queue };
      else if (topic) spec.onFailure = { type: 'sns', logicalId: topic };
      else throw new Error(`${logicalId}: the OnFailure destination must be a queue or topic of this stack to run locally`);
    }
    if (p.TumblingWindowInSeconds !== undefined) spec.tumblingWindowSeconds = Number(p.TumblingWindowInSeconds);
    validate(spec);
    specs.push(spec);
  }
  return specs;
}

function validate(spec: StreamEventSourceMappingSpec): void {
  for (const [name, [min, max]] of Object.entries(LIMITS) as [keyof typeof LIMITS, readonly [number, number]][]) {
    const value = spec[name];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${spec.logicalId}: ${name} must be an integer from ${min} to ${max}, got ${value}`);
    }
  }
  const age = spec.maximumRecordAgeSeconds;
  if (!Number.isInteger(age) || (age !== -1 && (age < 60 || age > 604_800))) {
    throw new Error(`${spec.logicalId}: MaximumRecordAgeInSeconds must be -1 or from 60 to 604800, got ${age}`);
  }
  if (spec.filterPatterns.length > 5) {
    throw new Error(`${spec.logicalId}: at most 5 filters per event-source mapping (the default quota), got ${spec.filterPatterns.length}`);
  }
}
