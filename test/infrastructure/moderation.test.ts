import { describe, expect, it } from 'vitest';
import { resourcesOf, synthTemplate } from '../support/synth-stack.js';

/** The moderation hook (docs/moderation.md): who learns the function, who may invoke it. */
describe('moderation hook', () => {
  const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:company-moderation:live';
  const template = synthTemplate({ moderationFunctionArn: arn, moderationTimeoutMs: '800', moderationFallback: 'deny' });
  const functions = resourcesOf(template, 'AWS::Lambda::Function');
  /** Logical ids (prefixes) of the functions that store a message or an edit. */
  const STORING = ['ActionsSendHandler', 'ActionsMessageChangeHandler', 'ServerApiPostMessageHandler'];
  const isStoring = (logicalId: string) => STORING.some((prefix) => logicalId.startsWith(prefix));

  it('tells the send, edit and POST /v1/messages functions the function, deadline and fallback, and nobody else', () => {
    expect(functions.filter(([id]) => isStoring(id))).toHaveLength(3);
    for (const [id, fn] of functions) {
      const variables = fn.Properties.Environment?.Variables ?? {};
      if (isStoring(id)) expect(variables, id).toMatchObject({ MODERATION_FUNCTION_ARN: arn, MODERATION_TIMEOUT_MS: '800', MODERATION_FALLBACK: 'deny' });
      else expect(variables.MODERATION_FUNCTION_ARN, id).toBeUndefined();
    }
  });

  it('grants lambda:InvokeFunction on exactly that ARN to exactly those roles, and no other invoke to anyone', () => {
    const policies = resourcesOf(template, 'AWS::IAM::Policy');
    const grants: string[] = [];
    for (const [, policy] of policies) {
      for (const statement of policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Effect: string }[]) {
        if (![statement.Action].flat().some((action) => action.startsWith('lambda:Invoke'))) continue;
        expect(statement).toMatchObject({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arn });
        grants.push(...(policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref));
      }
    }
    expect(grants.sort()).toEqual(
      STORING.map((prefix) => functions.find(([id]) => id.startsWith(prefix))![1].Properties.Role['Fn::GetAtt'][0] as string).sort(),
    );
  });

  it('without the setting, no function learns of moderation and nobody may invoke a function', () => {
    const plain = synthTemplate();
    for (const [, fn] of resourcesOf(plain, 'AWS::Lambda::Function')) expect(fn.Properties.Environment?.Variables?.MODERATION_FUNCTION_ARN).toBeUndefined();
    const invokes = resourcesOf(plain, 'AWS::IAM::Policy').filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes('lambda:Invoke'));
    expect(invokes.map(([id]) => id)).toEqual([]);
  });
});
