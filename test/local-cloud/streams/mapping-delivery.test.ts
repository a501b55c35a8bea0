import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { startDynamoDbLocal } from '../../../local-cloud/dynamodb/dynamodb-local.js';
import { keyOf, RecordingFunction, StreamHarness } from './harness.js';

describe('DynamoDB stream mapping: what reaches the function, and in which order', () => {
  let harness: StreamHarness;
  beforeEach(() => {
    harness = new StreamHarness();
  });
  afterEach(async () => harness.stop());

  it('delivers every record once, in write order per key, in batches of at most BatchSize', async () => {
    const table = await harness.table();
    const fn = new RecordingFunction();
    await harness.mapping(table, fn, { batchSize: 4 });
    const writes: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const pk of ['a', 'b', 'c']) {
        await table.put(pk, round);
        writes.push(`${pk}#${round}`);
      }
    }
    await harness.drained();

    expect(fn.delivered).toEqual(writes);
    expect(fn.invocations.every((invocation) => invocation.records.length >= 1 && invocation.records.length <= 4)).toBe(true);
    const sequence = fn.invocations.flatMap((invocation) => invocation.records.map((record) => BigInt(record.dynamodb!.SequenceNumber!)));
    expect(sequence.every((value, index) => index === 0 || value > sequence[index - 1]!)).toBe(true);
  });

  it('a batching window gathers what arrives within it into one invocation', async () => {
    const table = await harness.table();
    const fn = new RecordingFunction();
    await harness.mapping(table, fn, { batchSize: 100, maximumBatchingWindowMs: 2_000 });
    // One BatchWriteItem: the records land together, well inside the window.
    await table.putMany([1, 2, 3, 4, 5].map((sk) => ({ pk: 'w', sk })));
    await harness.drained();
    expect(fn.invocations.map((invocation) => invocation.keys)).toEqual([['w#1', 'w#2', 'w#3', 'w#4', 'w#5']]);
  });

  it('a full batch does not wait for the window to close', async () => {
    const table = await harness.table();
    const fn = new RecordingFunction();
    // A 5-minute window: the test would time out if a full batch waited for it.
    await harness.mapping(table, fn, { batchSize: 3, maximumBatchingWindowMs: 300_000 });
    await table.putMany([1, 2, 3].map((sk) => ({ pk: 'full', sk })));
    await expect.poll(() => fn.invocations.map((invocation) => invocation.keys)).toEqual([['full#1', 'full#2', 'full#3']]);
  });

  it('FilterCriteria: only matching records reach the function; the others count as processed', async () => {
    const table = await harness.table();
    const fn = new RecordingFunction();
    await harness.mapping(table, fn, {
      filterPatterns: [JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: [{ prefix: 'chat' }] } } } })],
    });
    await table.put('f', 1, { kind: 'chat.message' });
    await table.put('f', 2, { kind: 'receipt' });
    await table.update('f', 1, 'edited');
    await table.remove('f', 2);
    await table.put('f', 3, { kind: 'chat.system' });
    await harness.drained();
    expect(fn.invocations.flatMap((invocation) => invocation.records.map((record) => `${record.eventName} ${keyOf(record)}`))).toEqual([
      'INSERT f#1',
      'INSERT f#3',
    ]);
  });

  it('an invalid filter pattern is refused when the mapping is created', async () => {
    const table = await harness.table();
    await expect(harness.mapping(table, new RecordingFunction(), { filterPatterns: ['{"eventName": "INSERT"}'] })).rejects.toThrow(/Invalid filter pattern/);
  });

  it('ParallelizationFactor: keys are processed concurrently, and each key stays in order', async () => {
    const table = await harness.table();
    // Find two keys that land in different lanes: a batch of one waits until the other one's batch
    // arrives, which can only happen when both are in flight at once.
    let release!: () => void;
    const both = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inFlight = new Set<string>();
    const fn = new RecordingFunction(async (event) => {
      const pk = event.Records[0]!.dynamodb!.Keys!.pk!.S!;
      inFlight.add(pk);
      if (inFlight.size >= 2) release();
      if (pk === 'p0' || pk === 'p1') await both;
      inFlight.delete(pk);
    });
    await harness.mapping(table, fn, { parallelizationFactor: 10, batchSize: 1 });
    const writes: string[] = [];
    for (let sk = 0; sk < 3; sk++) {
      for (const pk of ['p0', 'p1', 'p2', 'p3']) {
        await table.put(pk, sk);
        writes.push(`${pk}#${sk}`);
      }
    }
    await harness.drained();
    expect([...fn.delivered].sort()).toEqual([...writes].sort());
    for (const pk of ['p0', 'p1', 'p2', 'p3']) {
      expect(fn.delivered.filter((key) => key.startsWith(`${pk}#`))).toEqual([0, 1, 2].map((sk) => `${pk}#${sk}`));
    }
  });

  it('StartingPosition LATEST skips what was written before the mapping started; TRIM_HORIZON delivers it', async () => {
    const table = await harness.table();
    await table.put('old', 1);
    const latest = new RecordingFunction();
    const horizon = new RecordingFunction();
    await harness.mapping(table, latest, { startingPosition: 'LATEST' });
    await harness.mapping(table, horizon, { startingPosition: 'TRIM_HORIZON' });
    await table.put('new', 1);
    await harness.drained();
    expect(latest.delivered).toEqual(['new#1']);
    expect(horizon.delivered).toEqual(['old#1', 'new#1']);
  });

  it('a TTL deletion arrives as REMOVE by the DynamoDB service (userIdentity), a DeleteItem without one', async () => {
    // DynamoDB Local's TTL sweep takes longer the more tables it holds: a DynamoDB Local of its own
    // deletes an expired item within seconds, where the run's shared one can take minutes.
    const dynamo = await startDynamoDbLocal();
    await harness.stop();
    harness = new StreamHarness(dynamo.endpoint);
    onTestFinished(async () => {
      await harness.stop();
      await dynamo.stop();
    });
    const table = await harness.table('OLD_IMAGE');
    const fn = new RecordingFunction();
    await harness.mapping(table, fn);
    await harness.enableTtl(table, 'expiresAt');
    await table.put('ttl', 1, {});
    await table.remove('ttl', 1);
    await harness.putExpired(table, 'ttl', 2, 'expiresAt');
    // DynamoDB Local deletes expired items within seconds.
    await expect.poll(() => fn.invocations.flatMap((invocation) => invocation.records).filter((record) => keyOf(record) === 'ttl#2' && record.eventName === 'REMOVE').length, { timeout: 60_000, interval: 500 }).toBe(1);
    const records = fn.invocations.flatMap((invocation) => invocation.records);
    const manual = records.find((record) => keyOf(record) === 'ttl#1' && record.eventName === 'REMOVE')!;
    const expired = records.find((record) => keyOf(record) === 'ttl#2' && record.eventName === 'REMOVE')!;
    expect(manual.userIdentity).toBeUndefined();
    expect(expired.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
    expect(Object.keys(expired).at(-1)).toBe('userIdentity');
    expect(expired.dynamodb!.OldImage!.expiresAt).toBeDefined();
  });
});
