import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../../../local-cloud/streams/checkpoint-store.js';
import { RecordingFunction, StreamHarness } from './harness.js';

describe('DynamoDB stream mapping: start, drain, shard end and stop', () => {
  let harness: StreamHarness;
  beforeEach(() => {
    harness = new StreamHarness();
  });
  afterEach(async () => harness.stop());

  it('drained() also waits for records the consumers write while it waits', async () => {
    const source = await harness.table();
    const sink = await harness.table();
    // The source consumer writes to the sink table, whose own consumer only sees them later.
    const copier = new RecordingFunction(async (event) => {
      for (const record of event.Records) await sink.put(`copy-${record.dynamodb!.Keys!.pk!.S}`, Number(record.dynamodb!.Keys!.sk!.N));
    });
    const reader = new RecordingFunction();
    await harness.mapping(source, copier);
    await harness.mapping(sink, reader);
    for (let sk = 0; sk < 5; sk++) await source.put('c', sk);
    await harness.drained();
    expect(reader.delivered).toEqual([0, 1, 2, 3, 4].map((sk) => `copy-c#${sk}`));
  });

  it('a shard DynamoDB closes (stream disabled) is read to its end, then done with', async () => {
    const table = await harness.table();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fn = new RecordingFunction(async (_event, call) => {
      if (call === 1) await held;
    });
    const mapping = await harness.mapping(table, fn, { batchSize: 1 });
    await table.put('z', 1);
    await table.put('z', 2);
    await expect.poll(() => fn.invocations.length).toBe(1);
    await harness.dynamo.send(new UpdateTableCommand({ TableName: table.name, StreamSpecification: { StreamEnabled: false } }));
    release();
    await expect.poll(() => mapping.shards).toEqual([{ shardId: expect.stringMatching(/^shardId-/), finished: true }]);
    expect(fn.delivered).toEqual(['z#1', 'z#2']);
  });

  it('stop() lets the invocation in flight finish, then nothing more is read or invoked', async () => {
    const table = await harness.table();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finished = 0;
    const fn = new RecordingFunction(async (_event, call) => {
      if (call === 1) await held;
      finished++;
    });
    const mapping = await harness.mapping(table, fn, { batchSize: 1 });
    await table.put('s', 1);
    await expect.poll(() => fn.invocations.length).toBe(1);
    await table.put('s', 2);
    const stopped = mapping.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    release();
    await stopped;
    expect(finished).toBe(1);
    expect(mapping.running).toBe(false);
    await table.put('s', 3);
    // A fresh mapping on the same stream proves the records were there to be read.
    const witness = new RecordingFunction();
    await harness.mapping(table, witness);
    await harness.drained();
    expect(witness.delivered).toEqual(['s#1', 's#2', 's#3']);
    expect(fn.delivered).toEqual(['s#1']);
  });

  it.each(['TRIM_HORIZON', 'LATEST'] as const)(
    'with a checkpoint store, a restarted %s mapping goes on after what it had done: nothing again, nothing skipped',
    async (startingPosition) => {
      const folder = mkdtempSync(path.join(tmpdir(), 'stream-checkpoints-'));
      try {
        const file = path.join(folder, 'checkpoints.json');
        const table = await harness.table();
        const first = new RecordingFunction();
        const before = await harness.mapping(table, first, { startingPosition, checkpoints: { store: new FileCheckpointStore(file), mappingId: 'Mapping' } });
        await table.put('r', 1);
        await table.put('r', 2);
        await harness.drained();
        await before.stop();
        // Written while the local cloud was down.
        await table.put('r', 3);
        const second = new RecordingFunction();
        await harness.mapping(table, second, { startingPosition, checkpoints: { store: new FileCheckpointStore(file), mappingId: 'Mapping' } });
        await table.put('r', 4);
        await harness.drained();
        expect(first.delivered).toEqual(['r#1', 'r#2']);
        expect(second.delivered).toEqual(['r#3', 'r#4']);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  );
});
