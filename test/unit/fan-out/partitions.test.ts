import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byPartition, PARTITIONS, partitionOf } from '../../../functions/fan-out/partitions.js';

describe('recipient partitions', () => {
  it('puts a user in the same partition every time, within range', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (userId) => {
        // Act
        const partition = partitionOf(userId);
        // Assess
        expect(partition).toBe(partitionOf(userId));
        expect(partition).toBeGreaterThanOrEqual(0);
        expect(partition).toBeLessThan(PARTITIONS);
      }),
    );
  });

  it('splits recipients so that each is in exactly one partition, in their given order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 300 }), (userIds) => {
        // Act
        const partitions = byPartition(userIds);
        // Assess
        const all = [...partitions.values()].flat();
        expect(all.sort()).toEqual([...userIds].sort());
        for (const [partition, members] of partitions) {
          for (const member of members) expect(partitionOf(member)).toBe(partition);
          expect(members).toEqual(userIds.filter((userId) => partitionOf(userId) === partition));
        }
      }),
    );
  });

  it('spreads many users over all partitions', () => {
    // Act
    const partitions = byPartition([...Array(1000).keys()].map((n) => `user-${n}`));
    // Assess
    expect(partitions.size).toBe(PARTITIONS);
    for (const members of partitions.values()) expect(members.length).toBeGreaterThan(50);
  });
});
