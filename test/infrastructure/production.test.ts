import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FAN_OUT_WORKER_TIMEOUT } from '../../lib/constructs/group-fan-out.js';
import { resourcesOf as resourcesOfType, synthTemplate, webSocketApiId, webSocketRoutes as webSocketRoutesOf } from '../support/synth-stack.js';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[]; DeletionPolicy?: string };
const resourcesOf = (template: Template, type: string) => resourcesOfType(template, type) as [string, Resource][];

/** Every action of PROTOCOL.md v1 plus the ones this backend adds (docs/protocol-notes.md). */
const TWO_WAY_ACTIONS = [
  'send',
  'sync',
  'conversations',
  'history',
  'syncConversation',
  'delivered',
  'read',
  'readReceipts',
  'createGroup',
  'addMembers',
  'removeMembers',
  'leaveGroup',
  'setRole',
  'transferOwnership',
  'updateGroup',
  'report',
  'typing',
  'presence',
  'ping',
  'edit',
  'recall',
  'react',
  'attachmentUpload',
  'attachmentDownload',
  'registerPush',
  'unregisterPush',
  'mute',
  'deleteForMe',
  // Answered by API Gateway itself (a MOCK integration), see below.
  'heartbeat',
  'block',
  'unblock',
];


const alarmNamed = (template: Template, suffix: string): Resource => {
  const found = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(([, alarm]) => String(alarm.Properties.AlarmName).endsWith(`-${suffix}`));
  expect(found, `alarm ${suffix}`).toHaveLength(1);
  return found[0]![1];
};

/** The metrics an alarm reads, whether it has one metric or a math expression. */
const alarmMetrics = (alarm: Resource): { namespace: string; name: string; dimensions: string[] }[] => {
  const p = alarm.Properties;
  if (p.MetricName) return [{ namespace: p.Namespace, name: p.MetricName, dimensions: (p.Dimensions ?? []).map((d: { Name: string }) => d.Name) }];
  return (p.Metrics as any[])
    .filter((query) => query.MetricStat)
    .map((query) => ({
      namespace: query.MetricStat.Metric.Namespace,
      name: query.MetricStat.Metric.MetricName,
      dimensions: (query.MetricStat.Metric.Dimensions ?? []).map((d: { Name: string }) => d.Name),
    }));
};

describe('ServerlessIm stack, production settings', () => {
  const template = synthTemplate();

  describe('routes', () => {
    const routes = webSocketRoutesOf(template) as [string, Resource][];
    const routeIdOf = (key: string): string => {
      const found = routes.find(([, route]) => route.Properties.RouteKey === key);
      expect(found, `route ${key}`).toBeDefined();
      return found![0];
    };
    const twoWay = new Set(resourcesOf(template, 'AWS::ApiGatewayV2::RouteResponse').map(([, response]) => response.Properties.RouteId.Ref));

    it('has a two-way route for every protocol action', () => {
      for (const action of TWO_WAY_ACTIONS) expect(twoWay.has(routeIdOf(action)), action).toBe(true);
    });

    it('answers heartbeat in API Gateway (MOCK: no function, no write) and every other action with its function', () => {
      const integrations = new Map(resourcesOf(template, 'AWS::ApiGatewayV2::Integration'));
      const integrationOf = (key: string): Resource => {
        const route = routes.find(([, r]) => r.Properties.RouteKey === key)![1];
        const target = route.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
        return integrations.get(target['Fn::Join'][1][1].Ref)!;
      };
      expect(integrationOf('heartbeat').Properties).toMatchObject({ IntegrationType: 'MOCK', RequestTemplates: { $default: '{"statusCode": 200}' } });
      const [, response] = resourcesOf(template, 'AWS::ApiGatewayV2::IntegrationResponse').find(
        ([, r]) => r.Properties.IntegrationId.Ref === routes.find(([, route]) => route.Properties.RouteKey === 'heartbeat')![1].Properties.Target['Fn::Join'][1][1].Ref,
      )!;
      expect(response.Properties.IntegrationResponseKey).toBe('$default');
      for (const action of TWO_WAY_ACTIONS.filter((a) => a !== 'heartbeat')) expect(integrationOf(action).Properties.IntegrationType, action).toBe('AWS_PROXY');
    });

    it('answers keepAlive in API Gateway one-way: a MOCK integration and no route response, so nothing goes back', () => {
      const route = routes.find(([, r]) => r.Properties.RouteKey === 'keepAlive');
      expect(route, 'route keepAlive').toBeDefined();
      expect(twoWay.has(route![0])).toBe(false);
      const integrationId = route![1].Properties.Target['Fn::Join'][1][1].Ref;
      expect(new Map(resourcesOf(template, 'AWS::ApiGatewayV2::Integration')).get(integrationId)!.Properties).toMatchObject({ IntegrationType: 'MOCK' });
      const [, response] = resourcesOf(template, 'AWS::ApiGatewayV2::IntegrationResponse').find(([, r]) => r.Properties.IntegrationId.Ref === integrationId)!;
      expect(response.Properties.ResponseTemplates).toBeUndefined();
    });

    it('has no route beyond the actions, the one-way keepAlive and the three special routes', () => {
      const keys = routes.map(([, route]) => route.Properties.RouteKey as string).sort();
      expect(keys).toEqual([...TWO_WAY_ACTIONS, 'keepAlive', '$connect', '$disconnect', '$default'].sort());
    });

    it('authorizes $connect with the token authorizer; later routes ride on the connection', () => {
      const [authorizerId] = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer').map(([id]) => id);
      const connect = routes.find(([, route]) => route.Properties.RouteKey === '$connect')![1];
      expect(connect.Properties).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
      for (const [, route] of routes.filter(([, r]) => r.Properties.RouteKey !== '$connect')) {
        expect(route.Properties.AuthorizationType).toBe('NONE');
      }
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'REQUEST',
        IdentitySource: ['route.request.querystring.token'],
      });
    });

    it('has no dev token endpoint (local cloud only)', () => {
      for (const [id, resource] of Object.entries(template.toJSON().Resources as Record<string, Resource>)) {
        expect(id).not.toMatch(/dev.?token/i);
        expect(JSON.stringify(resource.Properties ?? {})).not.toMatch(/dev\/token|devtoken|dev-token/i);
      }
      for (const [, route] of routes) expect(route.Properties.RouteKey).not.toMatch(/token/i);
      // One WebSocket API and the server API (IAM-authorized, its routes fixed), no REST API that could serve GET /dev/token.
      template.resourceCountIs('AWS::ApiGatewayV2::Api', 2);
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET' });
      const httpRoutes = resourcesOf(template, 'AWS::ApiGatewayV2::Route').filter(([id]) => !routes.some(([wsId]) => wsId === id));
      for (const [, route] of httpRoutes) {
        expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
        expect(route.Properties.RouteKey).toMatch(/^(GET|POST|DELETE) \/v1\//);
      }
      template.resourceCountIs('AWS::ApiGateway::RestApi', 0);
      template.resourceCountIs('AWS::Lambda::Url', 0);
    });
  });

  describe('stage', () => {
    it('throttles every route with the defaults', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: 'dev',
        DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      });
    });

    it('takes throttling from context', () => {
      synthTemplate({ throttleRate: '50', throttleBurst: '80', stage: 'prod' }).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: 'prod',
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 80 },
      });
    });

    it('writes JSON access logs to a log group with a retention', () => {
      const [, stage] = resourcesOf(template, 'AWS::ApiGatewayV2::Stage')[0]!;
      const settings = stage.Properties.AccessLogSettings;
      const logGroupId = settings.DestinationArn['Fn::GetAtt'][0] as string;
      expect(template.toJSON().Resources[logGroupId]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
      const format = JSON.parse(settings.Format) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        connectionId: '$context.connectionId',
        routeKey: '$context.routeKey',
        eventType: '$context.eventType',
        status: '$context.status',
        integrationError: '$context.integration.error',
      });
    });

    it('sets the account CloudWatch role API Gateway needs for WebSocket logs, kept on stack deletion', () => {
      const [accountId, account] = resourcesOf(template, 'AWS::ApiGateway::Account')[0]!;
      expect(account.DeletionPolicy).toBe('Retain');
      const [, stage] = resourcesOf(template, 'AWS::ApiGatewayV2::Stage')[0]!;
      expect(stage.DependsOn).toContain(accountId);
      const roleId = account.Properties.CloudWatchRoleArn['Fn::GetAtt'][0] as string;
      expect(JSON.stringify(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns)).toContain('AmazonAPIGatewayPushToCloudWatchLogs');
      synthTemplate({ apiGatewayLogsRole: 'false' }).resourceCountIs('AWS::ApiGateway::Account', 0);
    });
  });

  describe('functions', () => {
    // The stack's own functions; the CDK's custom-resource provider that empties the attachments
    // bucket of a dev stack on deletion (autoDeleteObjects) is the CDK's, not a route.
    const functions = resourcesOf(template, 'AWS::Lambda::Function').filter(([id]) => !id.startsWith('CustomS3AutoDeleteObjects'));

    it('keeps every function log for 30 days by default, and as long as context says', () => {
      const logGroups = resourcesOf(template, 'AWS::Logs::LogGroup');
      // One per function, the WebSocket stage's access logs and the server API's.
      expect(logGroups.length).toBe(functions.length + 2);
      for (const [, group] of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
      const longer = synthTemplate({ logRetentionDays: '90' });
      for (const [, group] of resourcesOf(longer, 'AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(90);
    });

    it('gives every function a memory size, and every route function a timeout under API Gateway\u2019s 29 s', () => {
      for (const [id, fn] of functions) {
        expect(fn.Properties.MemorySize, id).toBeGreaterThanOrEqual(256);
        // The fan-out and notification workers are polled from SQS (or a stream), the token sweeper runs on a schedule: none is called by API Gateway.
        expect(fn.Properties.Timeout, id).toBeLessThanOrEqual(/^ErasureWorker/.test(id) ? 120 : /^(FanOutWorker|PushWorker|PushDispatcher|DeliveryRepair|EventsPublisher|TokenSweeper)/.test(id) ? 60 : 29);
      }
    });

    it('lets only the functions that push call ManageConnections, POST on this API and stage (and the disconnect route DELETE; GET for presence and $connect)', () => {
      const statements = resourcesOf(template, 'AWS::IAM::Policy').flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as any[]);
      const manage = statements.filter((statement) => JSON.stringify(statement.Action).includes('execute-api'));
      expect(manage.length).toBeGreaterThanOrEqual(5);
      const apiId = webSocketApiId(template);
      for (const statement of manage) {
        expect(statement.Action).toBe('execute-api:ManageConnections');
        const resource = statement.Resource as { 'Fn::Join': [string, unknown[]] };
        expect(resource).not.toBe('*');
        const parts = resource['Fn::Join'][1];
        expect(parts).toContainEqual({ Ref: apiId });
        expect(['/dev/POST/@connections/*', '/dev/DELETE/@connections/*', '/dev/GET/@connections/*']).toContain(parts.at(-1));
      }
      // GetConnection: only `$connect` (the connection cap) and `presence` ask whether a connection is open.
      expect(manage.filter((statement) => JSON.stringify(statement.Resource).includes('/dev/GET/@connections/*'))).toHaveLength(2);
    });
  });

  describe('fan-out queue', () => {
    const queues = resourcesOf(template, 'AWS::SQS::Queue').filter(([id]) => id.startsWith('FanOut'));
    const jobs = queues.find(([, queue]) => queue.Properties.RedrivePolicy)!;
    const deadLetters = queues.find(([, queue]) => !queue.Properties.RedrivePolicy)!;

    it('is FIFO and redrives to a FIFO dead-letter queue after 10 receives (deferred jobs are received again too)', () => {
      expect(jobs[1].Properties.FifoQueue).toBe(true);
      expect(deadLetters[1].Properties.FifoQueue).toBe(true);
      expect(jobs[1].Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters[0], 'Arn'] },
        maxReceiveCount: 10,
      });
      expect(deadLetters[1].Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    });

    it('hides a job for at least six worker timeouts', () => {
      const worker = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('FanOutWorker'))![1];
      expect(worker.Properties.Timeout).toBe(FAN_OUT_WORKER_TIMEOUT.toSeconds());
      expect(jobs[1].Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Properties.Timeout);
    });

    it('reports partial batch failures and caps concurrency from context', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 10 },
      });
      const tuned = synthTemplate({ fanOutMaxConcurrency: '50', fanOutRetentionDays: '7' });
      tuned.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 50 } });
      tuned.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.anyValue(), MessageRetentionPeriod: 7 * 24 * 3600 });
    });

    it('encrypts both queues and refuses plain HTTP', () => {
      for (const [, queue] of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const policies = resourcesOf(template, 'AWS::SQS::QueuePolicy').filter(([id]) => id.startsWith('FanOut'));
      expect(policies).toHaveLength(2);
      for (const [, policy] of policies) {
        expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        );
      }
    });
  });

  describe('tables', () => {
    const tables = resourcesOf(template, 'AWS::DynamoDB::GlobalTable');

    it('has point-in-time recovery on every table, on demand', () => {
      expect(tables).toHaveLength(7);
      for (const [id, table] of tables) {
        expect(table.Properties.BillingMode, id).toBe('PAY_PER_REQUEST');
        for (const replica of table.Properties.Replicas) {
          expect(replica.PointInTimeRecoverySpecification, id).toEqual({ PointInTimeRecoveryEnabled: true });
        }
      }
    });

    it('protects tables from deletion and keeps them on the prod stage, not on dev', () => {
      for (const [, table] of tables) {
        expect(table.Properties.Replicas[0].DeletionProtectionEnabled ?? false).toBe(false);
        expect((table as Resource).DeletionPolicy).toBe('Delete');
      }
      for (const [, table] of resourcesOf(synthTemplate({ stage: 'prod' }), 'AWS::DynamoDB::GlobalTable')) {
        expect(table.Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
        expect((table as Resource).DeletionPolicy).toBe('Retain');
      }
      for (const [, table] of resourcesOf(synthTemplate({ stage: 'prod', deletionProtection: 'false' }), 'AWS::DynamoDB::GlobalTable')) {
        expect(table.Properties.Replicas[0].DeletionProtectionEnabled ?? false).toBe(false);
      }
    });
  });

  describe('monitoring', () => {
    it('alarms on dead letters, worker errors and throttles, handler errors, 5xx and DynamoDB throttles', () => {
      const dlq = resourcesOf(template, 'AWS::SQS::Queue').find(([id, queue]) => id.startsWith('FanOut') && !queue.Properties.RedrivePolicy)![0];
      const deadLetters = alarmNamed(template, 'FanOutDeadLetters');
      expect(deadLetters.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(alarmMetrics(alarmNamed(template, 'FanOutWorkerErrors'))).toEqual([{ namespace: 'AWS/Lambda', name: 'Errors', dimensions: ['FunctionName'] }]);
      expect(alarmMetrics(alarmNamed(template, 'FanOutWorkerThrottles'))).toEqual([{ namespace: 'AWS/Lambda', name: 'Throttles', dimensions: ['FunctionName'] }]);
      expect(alarmMetrics(alarmNamed(template, 'HandlerErrors'))).toEqual([{ namespace: 'ServerlessIm', name: 'ActionErrors', dimensions: ['service'] }]);
      expect(alarmMetrics(alarmNamed(template, 'ApiServerErrors'))).toEqual([
        { namespace: 'AWS/ApiGateway', name: 'IntegrationError', dimensions: ['ApiId', 'Stage'] },
        { namespace: 'AWS/ApiGateway', name: 'ExecutionError', dimensions: ['ApiId', 'Stage'] },
      ]);
      expect(alarmMetrics(alarmNamed(template, 'AuthorizerErrors')).map((m) => m.name)).toEqual(['Errors', 'Throttles']);
      expect(alarmMetrics(alarmNamed(template, 'FanOutQueueAge'))[0]!.name).toBe('ApproximateAgeOfOldestMessage');
      for (const table of ['Connections', 'Timelines', 'Conversations', 'Memberships', 'Claims', 'GroupListeners', 'Devices']) {
        expect(alarmMetrics(alarmNamed(template, `${table}TableThrottles`))).toEqual([
          { namespace: 'AWS/DynamoDB', name: 'ReadThrottleEvents', dimensions: ['TableName'] },
          { namespace: 'AWS/DynamoDB', name: 'WriteThrottleEvents', dimensions: ['TableName'] },
        ]);
      }
      for (const name of ['PushDeadLetters', 'PushDispatchFailures', 'PushQueueAge', 'PushWorkerErrors']) expect(alarmNamed(template, name)).toBeDefined();
      // A stalled attachment tagger: its records leave the stream after 24 hours.
      const tagger = alarmNamed(template, 'AttachmentTaggerIteratorAge');
      expect(alarmMetrics(tagger)).toEqual([{ namespace: 'AWS/Lambda', name: 'IteratorAge', dimensions: ['FunctionName'] }]);
      expect(tagger.Properties.Threshold).toBe(3_600_000);
      // A stalled delivery repair: undelivered messages stay so until it runs.
      const repair = alarmNamed(template, 'DeliveryRepairIteratorAge');
      expect(alarmMetrics(repair)).toEqual([{ namespace: 'AWS/Lambda', name: 'IteratorAge', dimensions: ['FunctionName'] }]);
      expect(alarmMetrics(alarmNamed(template, 'DeliveriesRepaired'))).toEqual([{ namespace: 'ServerlessIm', name: 'DeliveriesRepaired', dimensions: ['service'] }]);
      // A stalled event publisher: integrations lag, and its records leave the stream after 24 hours.
      const publisher = alarmNamed(template, 'EventPublisherIteratorAge');
      expect(alarmMetrics(publisher)).toEqual([{ namespace: 'AWS/Lambda', name: 'IteratorAge', dimensions: ['FunctionName'] }]);
      expect(publisher.Properties.Threshold).toBe(600_000);
      for (const name of ['ServerApi5xx', 'ServerApiLatency']) expect(alarmNamed(template, name)).toBeDefined();
      // + ErasureDeadLetters (lib/constructs/user-erasure.ts).
      expect(alarmNamed(template, 'ErasureDeadLetters')).toBeDefined();
      template.resourceCountIs('AWS::CloudWatch::Alarm', 25);
    });

    it('leaves alarms without actions and creates no topic without alarmEmail', () => {
      template.resourceCountIs('AWS::SNS::Topic', 0);
      expect(Object.keys(template.findOutputs('AlarmTopicArn'))).toEqual([]);
      for (const [, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) expect(alarm.Properties.AlarmActions).toBeUndefined();
    });

    it('mails every alarm and its recovery to alarmEmail', () => {
      const mailed = synthTemplate({ alarmEmail: 'ops@example.com' });
      mailed.resourceCountIs('AWS::SNS::Topic', 1);
      mailed.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
      const [topicId] = resourcesOf(mailed, 'AWS::SNS::Topic').map(([id]) => id);
      for (const [, alarm] of resourcesOf(mailed, 'AWS::CloudWatch::Alarm')) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
        expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
      }
      // findOutputs returns an object even when nothing matches: look at what it found.
      expect(Object.keys(mailed.findOutputs('AlarmTopicArn'))).toEqual(['AlarmTopicArn']);
      expect(mailed.findOutputs('AlarmTopicArn').AlarmTopicArn?.Value).toEqual({ Ref: topicId });
    });

    it('has a dashboard with messages per second, fan-out lag, pushes and connections', () => {
      const [, dashboard] = resourcesOf(template, 'AWS::CloudWatch::Dashboard')[0]!;
      const body = JSON.stringify(dashboard.Properties.DashboardBody);
      for (const metric of ['MessagesSent', 'FanOutLagMs', 'PushesGone', 'PushesFailed', 'PushesDelivered', 'ConnectCount', 'IntegrationError', 'ActionErrors']) {
        expect(body).toContain(metric);
      }
      expect(body).toContain('ServerlessIm');
      expect(body).toContain('serverless-im');
    });
  });

  it('outputs the endpoints, table and queue names', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    for (const name of [
      'WebSocketUrl',
      'ManagementEndpoint',
      'ConnectionsTableName',
      'TimelinesTableName',
      'ConversationsTableName',
      'MembershipsTableName',
      'ClaimsTableName',
      'GroupListenersTableName',
      'FanOutQueueName',
      'FanOutDeadLetterQueueName',
      'FanOutDeadLetterQueueArn',
      'AccessLogGroupName',
      'DashboardUrl',
      'SigningSecretArn',
    ]) {
      expect(outputs, name).toContain(name);
    }
  });
});
