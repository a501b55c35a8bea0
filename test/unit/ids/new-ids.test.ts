import { parseConversationId } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';
import { newGroupId, newMessageId } from '../../../functions/ids/new-ids.js';

describe('new ids', () => {
  it('makes message ids that sort by time and do not repeat', () => {
    // Act
    const ids = [newMessageId(1_000), newMessageId(2_000), newMessageId(1_000_000_000_000)];
    const many = new Set([...Array(1000).keys()].map(() => newMessageId(5)));
    // Assess
    for (const id of ids) expect(id).toMatch(/^m[0-9a-z]{21}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(many.size).toBe(1000);
  });

  it('makes group ids that the protocol reads as group conversations', () => {
    // Act
    const id = newGroupId();
    // Assess
    expect(parseConversationId(id)).toEqual({ kind: 'group', id });
    expect(newGroupId()).not.toBe(id);
  });
});
