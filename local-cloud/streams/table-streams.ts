/**
 * After the tables exist: the stream of every table whose template has a StreamSpecification,
 * under its local ARN (for the pollers) and the ARN the stack sees (`Fn::GetAtt [T, StreamArn]`).
 * A table kept on disk from before it had a stream gets one, as a stack update would add it.
 */
import { DescribeTableCommand, type DynamoDBClient, type TableDescription, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import type { TableSpec } from '../template/cloud-model.js';
import type { PhysicalResource } from '../template/intrinsics.js';
import { ArnTranslation, setStreamArn } from './stream-arns.js';

export interface TableStream {
  tableLogicalId: string;
  tableName: string;
  /** What DynamoDB itself calls the stream: the pollers use this one. */
  localStreamArn: string;
  /** What the stack calls it: policies, environment variables, events. */
  streamArn: string;
  viewType: NonNullable<TableSpec['streamViewType']>;
  /** The partition key attribute: ParallelizationFactor keeps each key in one lane. */
  partitionKey: string;
}

export interface TableStreams {
  streams: Map<string, TableStream>;
  /** Undefined when no table has a stream. */
  translation: ArnTranslation | undefined;
}

export async function prepareTableStreams(client: DynamoDBClient, tables: readonly TableSpec[], resources: Map<string, PhysicalResource>): Promise<TableStreams> {
  const streams = new Map<string, TableStream>();
  let translation: ArnTranslation | undefined;
  for (const table of tables) {
    if (!table.streamViewType) continue;
    let description = await describe(client, table.name);
    const current = description.StreamSpecification;
    if (!current?.StreamEnabled || current.StreamViewType !== table.streamViewType || !description.LatestStreamArn) {
      if (current?.StreamEnabled) {
        await client.send(new UpdateTableCommand({ TableName: table.name, StreamSpecification: { StreamEnabled: false } }));
      }
      await client.send(new UpdateTableCommand({ TableName: table.name, StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType } }));
      description = await describe(client, table.name);
    }
    const localStreamArn = description.LatestStreamArn!;
    const stackTableArn = resources.get(table.logicalId)!.attributes.Arn!;
    translation ??= ArnTranslation.between(localStreamArn, stackTableArn);
    const streamArn = translation.toStack(localStreamArn);
    setStreamArn(resources, table.logicalId, streamArn);
    const partitionKey = table.keySchema.find((key) => key.KeyType === 'HASH')!.AttributeName;
    streams.set(table.logicalId, { tableLogicalId: table.logicalId, tableName: table.name, localStreamArn, streamArn, viewType: table.streamViewType, partitionKey });
  }
  return { streams, translation };
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table) throw new Error(`DescribeTable ${tableName} returned no table`);
  return Table;
}
