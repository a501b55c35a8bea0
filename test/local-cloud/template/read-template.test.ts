import { existsSync } from 'node:fs';
import { events } from '@serverless-im/protocol';
import { describe, expect, it } from 'vitest';
import { mockResponder } from '../../../local-cloud/gateway/mock-integration.js';
import { resolveValue, UnresolvableError } from '../../../local-cloud/template/intrinsics.js';
import { DEFAULT_TEMPLATE, readTemplate } from '../../../local-cloud/template/read-template.js';

describe('reading the synthesized template', () => {
  const { model, resources } = readTemplate({ templatePath: DEFAULT_TEMPLATE, suffix: 'TEST' });

  it('finds the connections table with its key schema, index and TTL attribute', () => {
    const table = model.tables.find((t) => t.logicalId.startsWith('StorageConnections'))!;
    expect(table.name).toMatch(/^ServerlessIm-StorageConnections.*-TEST$/);
    expect(table.keySchema).toEqual([{ AttributeName: 'connectionId', KeyType: 'HASH' }]);
    expect(table.globalSecondaryIndexes.map((index) => index.IndexName)).toEqual(['byUser', 'byTokenExpiry']);
    expect(table.ttlAttribute).toBe('expiresAt');
  });

  it('finds each function bundle that cdk synth produced', () => {
    expect(model.functions.length).toBeGreaterThanOrEqual(5);
    for (const fn of model.functions) {
      expect(existsSync(fn.modulePath)).toBe(true);
      // The CDK's own provider that empties a dev stack's attachments bucket on deletion (autoDeleteObjects) is read too.
      if (fn.logicalId.startsWith('CustomS3AutoDeleteObjects')) continue;
      expect(fn.handlerExport).toBe('handler');
      expect(fn.runtime).toBe('nodejs22.x');
    }
    expect(model.functions.filter((fn) => fn.logicalId.startsWith('CustomS3AutoDeleteObjects'))).toHaveLength(1);
  });

  it('reads the heartbeat route as a mock whose reply is the protocol heartbeat event', () => {
    const heartbeat = model.api!.routes.find((route) => route.routeKey === 'heartbeat')!;
    expect(heartbeat.mock).toBeDefined();
    expect(heartbeat.twoWay).toBe(true);
    const respond = mockResponder(heartbeat.mock!, 'route heartbeat');
    const outcome = respond({
      apiId: 'a', connectedAt: 1, connectionId: 'c', domainName: 'd', eventType: 'MESSAGE', extendedRequestId: 'e',
      messageId: 'm', requestId: 'r', requestTimeEpoch: 1_700_000_000_123, routeKey: 'heartbeat', stage: 'dev',
    });
    expect(outcome.kind).toBe('reply');
    const frame = JSON.parse((outcome as { body: string }).body) as { event: string; data: unknown };
    expect(frame.event).toBe('heartbeat');
    expect(events.heartbeat.parse(frame.data)).toEqual({ ts: 1_700_000_000_123 });
  });

  it('wires routes to functions, marks two-way routes and finds the authorizer', () => {
    const api = model.api!;
    expect(api.stageName).toBe('dev');
    const routes = Object.fromEntries(api.routes.map((route) => [route.routeKey, route]));
    expect(Object.keys(routes)).toEqual(expect.arrayContaining(['$connect', '$disconnect', '$default', 'ping']));
    expect(routes.ping!.twoWay).toBe(true);
    expect(routes.$connect!.twoWay).toBe(false);
    const functionIds = new Set(model.functions.map((fn) => fn.logicalId));
    for (const route of api.routes) if (route.mock === undefined) expect(functionIds.has(route.functionLogicalId)).toBe(true);
    expect(api.authorizer?.identitySource).toEqual(['route.request.querystring.token']);
  });

  it('resolves a function environment to local physical names', () => {
    const connect = model.functions.find((fn) => fn.logicalId.startsWith('ConnectHandler'))!;
    const context = { region: model.region, accountId: model.accountId, stackName: model.stackName, resources };
    const environment = resolveValue(connect.environment, context) as Record<string, string>;
    expect(environment.CONNECTIONS_TABLE).toBe(model.tables[0]!.name);
  });
});

describe('intrinsic functions', () => {
  const resources = new Map([
    ['Queue', { ref: 'http://sqs/q', attributes: { Arn: 'arn:aws:sqs:us-east-1:123456789012:q' } }],
  ]);
  const context = { region: 'eu-west-1', accountId: '111122223333', stackName: 'S', resources, conditions: { IsProd: { 'Fn::Equals': ['a', 'a'] } } };

  it('evaluates Join, Sub, GetAtt, Select, Split, If and pseudo parameters', () => {
    expect(resolveValue({ 'Fn::Join': ['-', ['a', { Ref: 'AWS::Region' }]] }, context)).toBe('a-eu-west-1');
    expect(resolveValue({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::AccountId}:${Queue.Arn}' }, context)).toBe(
      'arn:aws:x:111122223333:arn:aws:sqs:us-east-1:123456789012:q',
    );
    expect(resolveValue({ 'Fn::Sub': ['${A}/${Queue}', { A: 'x' }] }, context)).toBe('x/http://sqs/q');
    expect(resolveValue({ 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] }, context)).toBe('b');
    expect(resolveValue({ 'Fn::If': ['IsProd', 'yes', 'no'] }, context)).toBe('yes');
    expect(resolveValue({ A: { Ref: 'AWS::NoValue' }, B: 1 }, context)).toEqual({ B: 1 });
  });

  it('names what it cannot resolve', () => {
    expect(() => resolveValue({ Ref: 'Missing' }, context)).toThrow(UnresolvableError);
    expect(() => resolveValue({ 'Fn::GetAtt': ['Queue', 'Nope'] }, context)).toThrow(/Queue\.Nope/);
    expect(() => resolveValue({ 'Fn::ImportValue': 'x' }, context)).toThrow(/Fn::ImportValue/);
  });
});
