/**
 * Shard splits, which DynamoDB Local never makes (one shard per stream, closed only when the
 * stream is disabled): the one place these tests use a stand-in for the Streams API, an
 * in-memory stream with a parent shard and two children, as AWS's DescribeStream lists them after
 * a split. Lambda finishes a parent before it reads its children, so a key's records stay in order
 * across the split.
 */
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamEventSourceMapping } from '../../../local-cloud/streams/stream-event-source-mapping.js';
import { RecordingFunction } from './harness.js';

const STREAM = 'arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2026-01-01T00:00:00.000';

class InMemoryStream {
  readonly shards: Shard[] = [];
  readonly records = new Map<string, _Record[]>();
  readonly reads: string[] = [];
  #next = 1;

  shard(shardId: string, parentShardId?: string): void {
    this.shards.push({ ShardId: shardId, ...(parentShardId ? { ParentShardId: parentShardId } : {}), SequenceNumberRange: { StartingSequenceNumber: String(this.#next).padStart(21, '0') } });
    this.records.set(shardId, []);
  }

  write(shardId: string, pk: string, sk: number): void {
    const sequence = String(this.#next++).padStart(21, '0');
    this.records.get(shardId)!.push({
      eventID: crypto.randomUUID(),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: { ApproximateCreationDateTime: new Date(), Keys: { pk: { S: pk }, sk: { N: String(sk) } }, SequenceNumber: sequence, SizeBytes: 10, StreamViewType: 'KEYS_ONLY' },
    });
  }

  close(shardId: string): void {
    const shard = this.shards.find((candidate) => candidate.ShardId === shardId)!;
    shard.SequenceNumberRange!.EndingSequenceNumber = this.records.get(shardId)!.at(-1)!.dynamodb!.SequenceNumber;
  }

  /** The subset of the client the mapping uses. */
  get client(): DynamoDBStreamsClient {
    return {
      send: async (command: unknown) => {
        if (command instanceof DescribeStreamCommand) return { StreamDescription: { StreamArn: STREAM, Shards: structuredClone(this.shards) } };
        if (command instanceof GetShardIteratorCommand) return { ShardIterator: `${command.input.ShardId}|0` };
        if (command instanceof GetRecordsCommand) {
          const [shardId, position] = command.input.ShardIterator!.split('|') as [string, string];
          this.reads.push(shardId);
          const all = this.records.get(shardId)!;
          const page = all.slice(Number(position));
          const closed = this.shards.find((shard) => shard.ShardId === shardId)!.SequenceNumberRange!.EndingSequenceNumber !== undefined;
          return { Records: page, ...(closed && page.length === 0 ? {} : { NextShardIterator: `${shardId}|${all.length}` }) };
        }
        throw new Error(`unexpected command ${String(command)}`);
      },
    } as unknown as DynamoDBStreamsClient;
  }
}

describe('shard lineage after a split', () => {
  let mapping: StreamEventSourceMapping | undefined;
  afterEach(async () => mapping?.stop());

  it('children are read only after their parent is done with, so a key stays in order across the split', async () => {
    const stream = new InMemoryStream();
    stream.shard('shardId-parent');
    for (let sk = 1; sk <= 3; sk++) stream.write('shardId-parent', 'k', sk);
    stream.close('shardId-parent');
    stream.shard('shardId-child-a', 'shardId-parent');
    stream.shard('shardId-child-b', 'shardId-parent');
    stream.write('shardId-child-a', 'k', 4);
    stream.write('shardId-child-b', 'j', 1);

    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fn = new RecordingFunction(async (_event, call) => {
      if (call === 1) await held;
    });
    mapping = new StreamEventSourceMapping({
      client: stream.client,
      localStreamArn: STREAM,
      streamArn: STREAM,
      region: 'us-east-1',
      partitionKey: 'pk',
      functionName: 'consumer',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:consumer',
      invoker: fn,
      startingPosition: 'TRIM_HORIZON',
      batchSize: 1,
      shardDiscoveryIntervalMs: 50,
      logger: () => undefined,
    });
    await mapping.start();
    await expect.poll(() => fn.invocations.length).toBe(1);
    // The parent's first batch is held: its children must not have been read.
    expect(stream.reads.filter((shardId) => shardId !== 'shardId-parent')).toEqual([]);
    release();
    await expect.poll(() => fn.delivered.length).toBe(5);
    expect(fn.delivered.slice(0, 3)).toEqual(['k#1', 'k#2', 'k#3']);
    expect(fn.delivered.slice(3).sort()).toEqual(['j#1', 'k#4']);
    expect(mapping.shards.find((shard) => shard.shardId === 'shardId-parent')!.finished).toBe(true);
  });
});
