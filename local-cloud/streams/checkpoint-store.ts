/**
 * Where a stream mapping remembers how far each shard is done with, so a local cloud restarted on
 * the same data (`--data-dir`) goes on from there, as a Lambda mapping does across deployments,
 * instead of delivering the retained stream again (TRIM_HORIZON) or skipping what was written
 * while it was down (LATEST).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface CheckpointStore {
  /** The last sequence number of `shardId` that is done with (delivered, filtered out or discarded). */
  get(mappingId: string, streamArn: string, shardId: string): string | undefined;
  set(mappingId: string, streamArn: string, shardId: string, sequenceNumber: string): void;
}

type Checkpoints = Record<string, Record<string, string>>;

/** One JSON file: `{ "<mapping> <stream ARN>": { "<shard id>": "<sequence number>" } }`. */
export class FileCheckpointStore implements CheckpointStore {
  readonly #file: string;
  readonly #checkpoints: Checkpoints;

  constructor(file: string) {
    this.#file = file;
    try {
      this.#checkpoints = JSON.parse(readFileSync(file, 'utf8')) as Checkpoints;
    } catch {
      this.#checkpoints = {};
    }
  }

  get(mappingId: string, streamArn: string, shardId: string): string | undefined {
    return this.#checkpoints[`${mappingId} ${streamArn}`]?.[shardId];
  }

  set(mappingId: string, streamArn: string, shardId: string, sequenceNumber: string): void {
    const shards = (this.#checkpoints[`${mappingId} ${streamArn}`] ??= {});
    if (shards[shardId] === sequenceNumber) return;
    shards[shardId] = sequenceNumber;
    // Small and local: written through, atomically, so a killed process keeps the last one.
    mkdirSync(path.dirname(this.#file), { recursive: true });
    const temporary = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.#checkpoints));
    renameSync(temporary, this.#file);
  }
}
