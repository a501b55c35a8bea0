import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PUSH_WORKER_TIMEOUT } from '../../lib/constructs/push-notifications.js';
import { resourcesOf, synthTemplate, type TemplateResource as Resource } from '../support/synth-stack.js';

/** The offline push pipeline in the template: tables and streams, queues, functions, SNS grants. */

const functionNamed = (template: Template, prefix: string): [string, Resource] => {
  const found = resourcesOf(template, 'AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
  expect(found, prefix).toHaveLength(1);
  return found[0]!;
};
/** Every statement of the policies attached to the function's role. */
const statementsOf = (template: Template, functionPrefix: string): { Action: string | string[]; Resource: unknown }[] => {
  const [, fn] = functionNamed(template, functionPrefix);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
};
const actionsOf = (statement: { Action: string | string[] }): string[] => [statement.Action].flat();
const snsStatements = (template: Template, prefix: string) => statementsOf(template, prefix).filter((s) => actionsOf(s).some((a) => a.startsWith('sns:')));

describe('push notifications in the template', () => {
  const template = synthTemplate();

  it('keeps registrations in a Devices table (userId + deviceId) with a keys-only byEndpoint index', () => {
    const [, devices] = resourcesOf(template, 'AWS::DynamoDB::GlobalTable').find(([id]) => id.startsWith('PushDevices'))!;
    expect(devices.Properties.KeySchema).toEqual([
      { AttributeName: 'userId', KeyType: 'HASH' },
      { AttributeName: 'deviceId', KeyType: 'RANGE' },
    ]);
    expect(devices.Properties.GlobalSecondaryIndexes).toEqual([
      { IndexName: 'byEndpoint', KeySchema: [{ AttributeName: 'endpointArn', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
    ]);
  });

  it('streams new Timelines and Conversations items into the dispatcher, new messages only, LATEST, with an on-failure queue', () => {
    const tables = resourcesOf(template, 'AWS::DynamoDB::GlobalTable');
    for (const prefix of ['MessagingTimelines', 'MessagingConversations']) {
      const [, table] = tables.find(([id]) => id.startsWith(prefix))!;
      expect(table.Properties.StreamSpecification, prefix).toEqual({ StreamViewType: 'NEW_IMAGE' });
    }
    const [dispatcherId] = functionNamed(template, 'PushDispatcher');
    const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => m.Properties.FunctionName.Ref === dispatcherId);
    expect(mappings).toHaveLength(2);
    const failures = resourcesOf(template, 'AWS::SQS::Queue').find(([id]) => id.startsWith('PushDispatchFailures'))![0];
    const patterns = mappings.flatMap(([, m]) => m.Properties.FilterCriteria.Filters.map((filter: { Pattern: string }) => JSON.parse(filter.Pattern)));
    expect(patterns).toContainEqual({ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['message'] } } } });
    expect(patterns).toContainEqual({ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['update'] }, recalled: { BOOL: [true] } } } });
    expect(patterns).toContainEqual({ eventName: ['INSERT'], dynamodb: { NewImage: { fanOut: { S: ['read'] } } } });
    // A recalled large-group message is a modification of the message item.
    expect(patterns).toContainEqual({ eventName: ['MODIFY'], dynamodb: { NewImage: { withdrawPending: { BOOL: [true] } } } });
    expect(patterns).toHaveLength(4);
    for (const [, mapping] of mappings) {
      expect(mapping.Properties).toMatchObject({ StartingPosition: 'LATEST', BisectBatchOnFunctionError: true, MaximumRetryAttempts: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
      expect(mapping.Properties.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': [failures, 'Arn'] });
    }
  });

  it('queues jobs on a FIFO queue (per message group) that redrives to a FIFO dead-letter queue, hidden for six worker timeouts', () => {
    const queues = resourcesOf(template, 'AWS::SQS::Queue');
    const [, jobs] = queues.find(([id]) => id.startsWith('PushJobs'))!;
    const [deadLettersId, deadLetters] = queues.find(([id]) => id.startsWith('PushDeadLetters'))!;
    expect(jobs.Properties).toMatchObject({ FifoQueue: true, DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId', SqsManagedSseEnabled: true });
    expect(jobs.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] }, maxReceiveCount: 5 });
    expect(deadLetters.Properties.FifoQueue).toBe(true);
    const [workerId, worker] = functionNamed(template, 'PushWorker');
    expect(worker.Properties.Timeout).toBe(PUSH_WORKER_TIMEOUT.toSeconds());
    expect(jobs.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Properties.Timeout);
    const mapping = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').find(([, m]) => m.Properties.FunctionName.Ref === workerId)![1];
    expect(mapping.Properties).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    // The claim lease outlasts any attempt.
    expect(Number(worker.Properties.Environment.Variables.PUSH_CLAIM_LEASE_MS)).toBeGreaterThan(worker.Properties.Timeout * 1000);
  });

  it('grants SNS least privilege: CreatePlatformEndpoint on the applications, endpoint calls on their endpoints, nothing on *', () => {
    const registration = snsStatements(template, 'PushRegistrationHandler');
    const worker = snsStatements(template, 'PushWorker');
    const all = [...registration, ...worker];
    for (const statement of all) expect(statement.Resource).not.toBe('*');
    const text = (value: unknown) => JSON.stringify(value);
    const create = registration.find((s) => actionsOf(s).includes('sns:CreatePlatformEndpoint'))!;
    expect(actionsOf(create)).toEqual(['sns:CreatePlatformEndpoint']);
    for (const name of ['APNS/ServerlessIm-apns', 'APNS_SANDBOX/ServerlessIm-apns-sandbox', 'GCM/ServerlessIm-fcm']) {
      expect(text(create.Resource)).toContain(`:app/${name}`);
    }
    const endpoints = registration.find((s) => actionsOf(s).includes('sns:SetEndpointAttributes'))!;
    expect(actionsOf(endpoints).sort()).toEqual(['sns:DeleteEndpoint', 'sns:GetEndpointAttributes', 'sns:SetEndpointAttributes']);
    expect(text(endpoints.Resource)).toContain(':endpoint/GCM/ServerlessIm-fcm/*');
    expect(worker.flatMap(actionsOf).sort()).toEqual(['sns:DeleteEndpoint', 'sns:Publish']);
    // Nobody else talks to SNS; the dispatcher only enqueues.
    expect(snsStatements(template, 'PushDispatcher')).toEqual([]);
    expect(snsStatements(template, 'PushMuteHandler')).toEqual([]);
    expect(statementsOf(template, 'PushDispatcher').flatMap(actionsOf).filter((a) => a.startsWith('sqs:'))).toContain('sqs:SendMessage');
  });

  it('uses application ARNs given as settings, and grants on exactly their endpoints', () => {
    const apns = 'arn:aws:sns:eu-west-1:123456789012:app/APNS/chat-prod';
    const custom = synthTemplate({ apnsPlatformApplicationArn: apns, pushPreview: 'sender' });
    const [, worker] = functionNamed(custom, 'PushWorker');
    const variables = worker.Properties.Environment.Variables;
    expect(JSON.stringify(variables.PUSH_APPLICATIONS)).toContain(apns);
    expect(variables.PUSH_PREVIEW).toBe('sender');
    const publish = snsStatements(custom, 'PushWorker')[0]!;
    expect(JSON.stringify(publish.Resource)).toContain('arn:aws:sns:eu-west-1:123456789012:endpoint/APNS/chat-prod/*');
  });

  it('routes registerPush and unregisterPush to one function, mute to another, both two-way', () => {
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey as string);
    for (const action of ['registerPush', 'unregisterPush', 'mute']) expect(routes).toContain(action);
  });
});
