import { describe, expect, it } from 'vitest';
import { resourcesOf, synthTemplate } from '../support/synth-stack.js';

describe('delivery repair (stack)', () => {
  const template = synthTemplate();
  const [repairerId, repairer] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('DeliveryRepairRepairer'))!;
  const [, mapping] = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').find(([, m]) => m.Properties.FunctionName.Ref === repairerId)!;

  it('reads every new message of the Conversations stream a minute after it was stored, and retries a record as long as the stream keeps it', () => {
    expect(mapping.Properties.EventSourceArn['Fn::GetAtt'][0]).toMatch(/^MessagingConversations/);
    expect(mapping.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      MaximumBatchingWindowInSeconds: 60,
      MaximumRetryAttempts: -1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(JSON.parse(mapping.Properties.FilterCriteria.Filters[0].Pattern)).toEqual({ eventName: ['INSERT'], dynamodb: { NewImage: { msgId: { S: [{ exists: true }] } } } });
    expect(repairer.Properties.Timeout).toBeLessThanOrEqual(60);
  });

  it('may queue fan-out jobs and push, and nothing on the claims table', () => {
    const role = repairer.Properties.Role['Fn::GetAtt'][0];
    const statements = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toContain('sqs:SendMessage');
    expect(actions).toContain('execute-api:ManageConnections');
    expect(JSON.stringify(statements)).not.toMatch(/MessagingClaims/);
  });
});
