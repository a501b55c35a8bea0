import { createHash } from 'node:crypto';

/**
 * Recipients of a group message are split into this many partitions by a stable hash of their
 * user id. Each partition is one FIFO message group (`conversationId#pN`), so a member's items
 * always travel through the same group, in conversation order, while partitions run in parallel.
 */
export const PARTITIONS = 10;

export function partitionOf(userId: string): number {
  return createHash('sha1').update(userId).digest().readUInt16BE(0) % PARTITIONS;
}

export function byPartition(userIds: readonly string[]): Map<number, string[]> {
  const partitions = new Map<number, string[]>();
  for (const userId of userIds) {
    const partition = partitionOf(userId);
    const list = partitions.get(partition) ?? [];
    list.push(userId);
    partitions.set(partition, list);
  }
  return partitions;
}
