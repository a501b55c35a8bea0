import { readFileSync } from 'node:fs';
import { routeKeyOf, serverApiRoutes } from '@serverless-im/protocol/server-api';
import { describe, expect, it } from 'vitest';
import { readHttpApi } from '../../local-cloud/template/read-http-api.js';
import { OPENAPI_PATH, openApiText } from '../../scripts/server-api-openapi.js';
import { resourcesOf, synthTemplate } from '../support/synth-stack.js';

/**
 * The server API's contract, three ways that must agree: the route schemas
 * (@serverless-im/protocol/server-api), docs/server-api.openapi.json (generated from them) and
 * the stack's HTTP API routes. The integration test (test/integration/server-api.test.ts)
 * checks real responses against the same schemas.
 */
describe('server API contract', () => {
  const template = synthTemplate();
  const openApi = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };
  const documented = Object.entries(openApi.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
  const resources = new Map(Object.keys(template.toJSON().Resources as object).map((id) => [id, { ref: id, attributes: {} }]));
  const api = readHttpApi(template.toJSON() as never, resources as never)!;

  it('docs/server-api.openapi.json is the one generated from the route schemas (npm run openapi)', () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(openApiText());
  });

  it('documents exactly the routes the stack serves, each with its operationId', () => {
    expect(api.routes.map((route) => route.routeKey).sort()).toEqual([...documented].sort());
    expect(Object.values(serverApiRoutes).map(routeKeyOf).sort()).toEqual([...documented].sort());
    for (const route of Object.values(serverApiRoutes)) {
      expect(openApi.paths[route.path]?.[route.method.toLowerCase()]?.operationId).toBe(route.operationId);
    }
  });

  it('authorizes every route with IAM; each has its own function', () => {
    expect(api.routes.every((route) => route.authorizationType === 'AWS_IAM')).toBe(true);
    expect(new Set(api.routes.map((route) => route.functionLogicalId)).size).toBe(api.routes.length);
  });

  it('throttles the stage and writes access logs', () => {
    expect(api.defaultThrottle).toEqual({ burstLimit: 200, rateLimit: 100 });
    expect(api.accessLog?.destinationLogicalId).toMatch(/^ServerApiAccessLogs/);
    expect(JSON.parse(api.accessLog!.format)).toMatchObject({ routeKey: '$context.routeKey', status: '$context.status', caller: '$context.identity.userArn' });
  });

  it('the managed policy allows execute-api:Invoke on exactly the routes, on this API and stage', () => {
    const [policyId, policy] = resourcesOf(template, 'AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith('ServerApiInvokePolicy'))!;
    const statements = policy.Properties.PolicyDocument.Statement as { Action: string; Effect: string; Resource: unknown[] }[];
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Action: 'execute-api:Invoke', Effect: 'Allow' });
    const arns = statements[0]!.Resource.map((resource) => JSON.stringify(resource));
    expect(arns).toHaveLength(Object.keys(serverApiRoutes).length);
    for (const route of Object.values(serverApiRoutes)) {
      const tail = `/$default/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`;
      expect(arns.some((arn) => arn.includes(`${api.logicalId}`) && arn.includes(tail)), tail).toBe(true);
    }
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ServerApiInvokePolicyArn?.Value).toEqual({ Ref: policyId });
    expect(outputs.ServerApiUrl).toBeDefined();
  });

  it('only the disconnect route, the token sweeper and WebSocket action functions may close connections (DELETE @connections)', () => {
    const deleting = resourcesOf(template, 'AWS::IAM::Policy').filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes('DELETE/@connections'));
    // Action functions close their own connection once its token expired (functions/connections/token-expiry.ts);
    // the erasure worker closes the erased user's connections.
    const ids = deleting.map(([id]) => id);
    expect(ids.filter((id) => id.startsWith('ServerApi'))).toEqual([expect.stringMatching(/^ServerApiDisconnectUserHandler/)]);
    expect(ids.some((id) => id.startsWith('TokenSweeper'))).toBe(true);
    expect(ids.some((id) => id.startsWith('ErasureWorker'))).toBe(true);
    expect(ids.every((id) => /^(ServerApiDisconnectUserHandler|ErasureWorker|TokenSweeper|Actions|PingHandler|Push(Registration|Mute)Handler)/.test(id)), JSON.stringify(ids)).toBe(true);
  });

  it('the export function only reads (no DynamoDB write of any table)', () => {
    const policies = resourcesOf(template, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('ServerApiExportUserHandler'));
    expect(policies.length).toBeGreaterThan(0);
    const document = JSON.stringify(policies.map(([, policy]) => policy.Properties.PolicyDocument));
    expect(document).toContain('dynamodb:Query');
    for (const write of ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']) expect(document).not.toContain(`dynamodb:${write}`);
  });

  it('alarms on 5xx and latency of the server API', () => {
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const ofApi = alarms.filter((alarm) => alarm.Namespace === 'AWS/ApiGateway' && ['5xx', 'Latency'].includes(alarm.MetricName));
    expect(ofApi.map((alarm) => alarm.MetricName).sort()).toEqual(['5xx', 'Latency']);
  });
});
