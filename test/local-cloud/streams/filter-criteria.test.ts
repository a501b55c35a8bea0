import { describe, expect, it } from 'vitest';
import { EventFilter } from '../../../local-cloud/lambda/filter-criteria.js';

const record = {
  eventName: 'INSERT',
  dynamodb: {
    Keys: { pk: { S: 'conv#1' } },
    NewImage: { kind: { S: 'Chat.Message' }, seq: { N: '7' }, tags: { SS: ['a', 'b'] }, recalled: { BOOL: true } },
  },
  size: 42,
  missing: null,
  empty: '',
};
const matches = (...patterns: unknown[]) => EventFilter.fromPatterns(patterns.map((pattern) => JSON.stringify(pattern))).matches(record);

describe('Lambda event filtering (FilterCriteria patterns)', () => {
  it('no filters: everything matches; several filters: any one', () => {
    expect(EventFilter.fromPatterns([]).matches(record)).toBe(true);
    expect(matches({ eventName: ['REMOVE'] }, { eventName: ['INSERT'] })).toBe(true);
    expect(matches({ eventName: ['REMOVE'] }, { eventName: ['MODIFY'] })).toBe(false);
  });

  it('equality on nested fields; a list at a leaf is an OR; every field of a pattern must match', () => {
    expect(matches({ dynamodb: { Keys: { pk: { S: ['conv#1'] } } } })).toBe(true);
    expect(matches({ eventName: ['MODIFY', 'INSERT'], dynamodb: { NewImage: { seq: { N: ['7'] } } } })).toBe(true);
    expect(matches({ eventName: ['INSERT'], dynamodb: { NewImage: { seq: { N: ['8'] } } } })).toBe(false);
    // N values are strings in the event: a number does not equal them.
    expect(matches({ dynamodb: { NewImage: { seq: { N: [7] } } } })).toBe(false);
    expect(matches({ size: [42] })).toBe(true);
    expect(matches({ missing: [null] })).toBe(true);
    expect(matches({ empty: [''] })).toBe(true);
  });

  it('a boolean equals only that boolean (DynamoDB BOOL), never its string', () => {
    expect(matches({ dynamodb: { NewImage: { recalled: { BOOL: [true] } } } })).toBe(true);
    expect(matches({ dynamodb: { NewImage: { recalled: { BOOL: [false] } } } })).toBe(false);
    expect(matches({ dynamodb: { NewImage: { recalled: { BOOL: ['true'] } } } })).toBe(false);
    expect(matches({ dynamodb: { NewImage: { seq: { BOOL: [true] } } } })).toBe(false);
  });

  it('an array field matches when any element does', () => {
    expect(matches({ dynamodb: { NewImage: { tags: { SS: ['b'] } } } })).toBe(true);
    expect(matches({ dynamodb: { NewImage: { tags: { SS: ['c'] } } } })).toBe(false);
  });

  it('prefix, suffix, equals-ignore-case, anything-but, numeric, exists', () => {
    const kind = (matcher: unknown) => matches({ dynamodb: { NewImage: { kind: { S: [matcher] } } } });
    expect(kind({ prefix: 'Chat.' })).toBe(true);
    expect(kind({ prefix: 'chat.' })).toBe(false);
    expect(kind({ prefix: { 'equals-ignore-case': 'chat.' } })).toBe(true);
    expect(kind({ suffix: '.Message' })).toBe(true);
    expect(kind({ 'equals-ignore-case': 'chat.message' })).toBe(true);
    expect(kind({ 'anything-but': ['Chat.Receipt'] })).toBe(true);
    expect(kind({ 'anything-but': 'Chat.Message' })).toBe(false);
    expect(kind({ 'anything-but': { prefix: 'Chat' } })).toBe(false);
    expect(matches({ size: [{ numeric: ['>', 40, '<=', 42] }] })).toBe(true);
    expect(matches({ size: [{ numeric: ['=', 41] }] })).toBe(false);
    expect(matches({ dynamodb: { NewImage: { kind: { S: [{ exists: true }] } } } })).toBe(true);
    expect(matches({ dynamodb: { OldImage: { kind: { S: [{ exists: false }] } } } })).toBe(true);
    expect(matches({ dynamodb: { NewImage: { kind: { S: [{ exists: false }] } } } })).toBe(false);
  });

  it('$or of sub-patterns', () => {
    expect(matches({ $or: [{ eventName: ['REMOVE'] }, { size: [{ numeric: ['>', 10] }] }] })).toBe(true);
    expect(matches({ $or: [{ eventName: ['REMOVE'] }, { size: [{ numeric: ['<', 10] }] }] })).toBe(false);
  });

  it.each(['not json', '"INSERT"', '{"eventName": "INSERT"}', '{"eventName": []}', '{"x": [{"prefix": 1}]}', '{"x": [{"numeric": [">"]}]}', '{"x": [{"wat": 1}]}'])(
    'refuses the pattern %s, as CreateEventSourceMapping does',
    (pattern) => {
      expect(() => EventFilter.fromPatterns([pattern])).toThrow(/Invalid filter pattern/);
    },
  );
});
