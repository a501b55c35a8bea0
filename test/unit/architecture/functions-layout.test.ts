import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cyclesOf, type ImportEdge, importsOf, ROOT, sourceFiles } from './import-graph.js';

/**
 * The layout of functions/ (functions/README.md) as a test: folders by concept, no import cycle
 * between them, storage modules as the only code that builds DynamoDB commands.
 */
const files = sourceFiles('functions');
const edges = files.flatMap(importsOf);
/** `functions/send/send-to.ts` -> `send`; `functions/storage/timelines/head.ts` -> `storage`. */
const folderOf = (file: string): string => file.split('/')[1]!;
const local = (edge: ImportEdge): edge is ImportEdge & { to: string } => edge.to !== undefined && edge.to.startsWith('functions/');

describe('the cycle finder', () => {
  it('reports folders that reach each other, and nothing else', () => {
    // Prepare
    const graph = new Map([
      ['send', new Set(['timeline', 'storage'])],
      ['timeline', new Set(['fan-out', 'storage'])],
      ['fan-out', new Set(['send'])],
      ['push', new Set(['runtime'])],
      ['runtime', new Set(['push'])],
      ['storage', new Set<string>()],
    ]);
    // Act
    const cycles = cyclesOf(graph);
    // Assess
    expect(cycles).toEqual([['fan-out', 'send', 'timeline'], ['push', 'runtime']]);
    expect(cyclesOf(new Map([['a', new Set(['b'])], ['b', new Set<string>()]]))).toEqual([]);
  });
});

describe('functions/ layout', () => {
  it('has no functions/shared and imports nothing from a folder named shared', () => {
    expect(existsSync(path.join(ROOT, 'functions', 'shared'))).toBe(false);
    expect(edges.filter((edge) => /(^|\/)shared\//.test(edge.specifier)).map((edge) => `${edge.from}: ${edge.specifier}`)).toEqual([]);
  });

  it('resolves every relative import to a file of functions/', () => {
    const dangling = edges.filter((edge) => edge.to !== undefined && !files.includes(edge.to));
    expect(dangling.map((edge) => `${edge.from}: ${edge.specifier}`)).toEqual([]);
  });

  it('has no import cycle between folders (type-only imports included)', () => {
    const graph = new Map<string, Set<string>>();
    for (const edge of edges.filter(local)) {
      const from = folderOf(edge.from);
      const to = folderOf(edge.to);
      if (from === to) continue;
      graph.set(from, (graph.get(from) ?? new Set()).add(to));
    }
    const cycles = cyclesOf(graph).map((cycle) => {
      const inCycle = new Set(cycle);
      const culprits = edges
        .filter(local)
        .filter((edge) => inCycle.has(folderOf(edge.from)) && inCycle.has(folderOf(edge.to)) && folderOf(edge.from) !== folderOf(edge.to))
        .map((edge) => `  ${edge.from} -> ${edge.to}`);
      return `${cycle.join(' <-> ')}\n${culprits.join('\n')}`;
    });
    expect(cycles, 'folders that import each other (directly or through others)').toEqual([]);
  });

  it('imports no handler from anywhere else', () => {
    const intoHandlers = edges.filter(local).filter((edge) => folderOf(edge.to) === 'handlers' && folderOf(edge.from) !== 'handlers');
    expect(intoHandlers.map((edge) => `${edge.from} -> ${edge.to}`)).toEqual([]);
  });

  it('builds DynamoDB commands only in storage/ (domain code asks storage for operations)', () => {
    const dynamoDb = edges.filter(
      (edge) =>
        (edge.specifier === '@aws-sdk/lib-dynamodb' || edge.specifier === '@aws-sdk/client-dynamodb' || edge.specifier === '@aws-sdk/util-dynamodb') &&
        !edge.typeOnly &&
        folderOf(edge.from) !== 'storage' &&
        edge.from !== 'functions/runtime/aws-clients.ts',
    );
    expect(dynamoDb.map((edge) => `${edge.from}: ${edge.specifier}`)).toEqual([]);
  });

  it('keeps storage/ below the domain: it imports only errors/ and platform/ of functions/', () => {
    const upward = edges.filter(local).filter((edge) => folderOf(edge.from) === 'storage' && !['storage', 'errors', 'platform'].includes(folderOf(edge.to)));
    expect(upward.map((edge) => `${edge.from} -> ${edge.to}`)).toEqual([]);
  });

  it('takes the wire format from @serverless-im/protocol, not from a copy', () => {
    const zodOutsideEdge = edges.filter(
      (edge) => (edge.specifier === 'zod' || edge.specifier.startsWith('zod/')) && !['handlers', 'runtime'].includes(folderOf(edge.from)),
    );
    expect(zodOutsideEdge.map((edge) => `${edge.from}: ${edge.specifier}`)).toEqual([]);
  });
});

describe('package boundaries', () => {
  it('protocol/ imports nothing but zod and itself', () => {
    const foreign = sourceFiles('protocol/src')
      .flatMap(importsOf)
      .filter((edge) => !(edge.to?.startsWith('protocol/src/') || edge.specifier === 'zod/mini' || edge.specifier.startsWith('zod/')));
    expect(foreign.map((edge) => `${edge.from}: ${edge.specifier}`)).toEqual([]);
  });

  it('the SDK (client/src) imports only itself and @serverless-im/protocol', () => {
    const foreign = sourceFiles('client/src')
      .flatMap(importsOf)
      .filter((edge) => !(edge.to?.startsWith('client/src/') || edge.specifier === '@serverless-im/protocol'));
    expect(foreign.map((edge) => `${edge.from}: ${edge.specifier}`)).toEqual([]);
  });

  it('nothing but the handlers, the tests and the local cloud reach into functions/', () => {
    const intoFunctions = ['protocol/src', 'client/src', 'web/src', 'lib']
      .flatMap(sourceFiles)
      .flatMap(importsOf)
      .filter((edge) => edge.to?.startsWith('functions/'));
    expect(intoFunctions.map((edge) => `${edge.from}: ${edge.specifier}`)).toEqual([]);
  });
});
