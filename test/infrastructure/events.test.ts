import { describe, expect, it } from 'vitest';
import { resourcesOf, synthTemplate, type TemplateResource } from '../support/synth-stack.js';

/** The event bus and its publisher (docs/events.md). */
describe('events out', () => {
  const template = synthTemplate();
  const [busId] = resourcesOf(template, 'AWS::Events::EventBus').map(([id]) => id);
  const [publisherId, publisher] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('EventsPublisher'))!;
  const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').filter(([, mapping]) => mapping.Properties.FunctionName.Ref === publisherId);
  const mappingOn = (tablePrefix: string): TemplateResource => mappings.find(([, mapping]) => String(mapping.Properties.EventSourceArn['Fn::GetAtt'][0]).startsWith(tablePrefix))![1];
  const patterns = (mapping: TemplateResource) => (mapping.Properties.FilterCriteria.Filters as { Pattern: string }[]).map((filter) => JSON.parse(filter.Pattern));

  it('has one bus of its own, named in the publisher environment and the outputs', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    expect(publisher.Properties.Environment.Variables).toMatchObject({ EVENT_BUS_NAME: { Ref: busId }, EVENTS_INCLUDE_BODY: 'false', CLAIMS_TABLE: { Ref: expect.stringMatching(/^MessagingClaims/) } });
    expect(template.findOutputs('EventBusName').EventBusName!.Value).toEqual({ Ref: busId });
  });

  it('puts bodies into events only with eventBodies=true', () => {
    const withBodies = synthTemplate({ eventBodies: 'true' });
    const [, fn] = resourcesOf(withBodies, 'AWS::Lambda::Function').find(([id]) => id.startsWith('EventsPublisher'))!;
    expect(fn.Properties.Environment.Variables.EVENTS_INCLUDE_BODY).toBe('true');
  });

  it('reads new messages, edits, recalls and reports from Conversations, and the actors’ membership items from Timelines, nothing else', () => {
    expect(mappings).toHaveLength(2);
    expect(patterns(mappingOn('MessagingConversations'))).toEqual([
      { eventName: ['INSERT'], dynamodb: { NewImage: { msgId: { S: [{ exists: true }] } } } },
      { eventName: ['MODIFY'], dynamodb: { NewImage: { lastChange: { M: { kind: { S: ['edit', 'recall'] } } } } } },
      { eventName: ['INSERT'], dynamodb: { NewImage: { recordType: { S: ['report'] } } } },
      // user.erased: the erasure record's write that still names the user.
      { eventName: ['MODIFY'], dynamodb: { NewImage: { recordType: { S: ['erasure'] }, status: { S: ['finishing'] } } } },
    ]);
    expect(patterns(mappingOn('MessagingTimelines'))).toEqual([{ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['system'] }, origin: { BOOL: [true] } } } }]);
  });

  it('retries a failing batch (bisected, from the failed record) as long as the stream keeps it, never discarding a record; it starts at the oldest record', () => {
    for (const [, mapping] of mappings) {
      expect(mapping.Properties).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumRetryAttempts: -1,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      expect(mapping.Properties.DestinationConfig).toBeUndefined();
    }
  });

  it('lets the publisher put events on its bus only, and read and write the Claims table only', () => {
    const policies = resourcesOf(template, 'AWS::IAM::Policy').filter(([, policy]) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref.startsWith('EventsPublisherServiceRole')));
    expect(policies).toHaveLength(1);
    const statements = policies[0]![1].Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const byAction = (action: string) => statements.filter((statement) => [statement.Action].flat().includes(action));
    expect(byAction('events:PutEvents')).toEqual([expect.objectContaining({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } })]);
    expect(byAction('dynamodb:PutItem')).toEqual([expect.objectContaining({ Action: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^MessagingClaims/), 'Arn'] } })]);
    // Everything else is what the two stream mappings need: read the two streams.
    const rest = statements.filter((statement) => !byAction('events:PutEvents').includes(statement) && !byAction('dynamodb:PutItem').includes(statement));
    for (const statement of rest) {
      const target = JSON.stringify(statement.Resource);
      expect([statement.Action].flat().every((action) => ['dynamodb:ListStreams', 'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'].includes(action))).toBe(true);
      expect(target).toMatch(/^\{"Fn::GetAtt":\["Messaging(Conversations|Timelines)\w+","StreamArn"\]\}$/);
    }
    // Nobody else may put events on the bus.
    const putters = resourcesOf(template, 'AWS::IAM::Policy').filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes('events:PutEvents'));
    expect(putters).toHaveLength(1);
  });
});
