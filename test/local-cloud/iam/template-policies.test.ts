import { describe, expect, it } from 'vitest';
import { AccessChecker, denialMessage } from '../../../local-cloud/iam/access-checker.js';
import { rolePolicies } from '../../../local-cloud/iam/role-policies.js';
import { dynamoDbRequests, manageConnectionsRequest, secretsManagerRequest, sqsRequests } from '../../../local-cloud/iam/service-requests.js';
import { accessKeyIdOf } from '../../../local-cloud/function-environment.js';
import type { CloudFormationTemplate } from '../../../local-cloud/template/cloud-model.js';
import type { PhysicalResource, ResolveContext } from '../../../local-cloud/template/intrinsics.js';
import { DEFAULT_TEMPLATE, readTemplate } from '../../../local-cloud/template/read-template.js';

const ACCOUNT = { region: 'us-east-1', accountId: '123456789012' };

describe('role policies resolved from the synthesized template', () => {
  const { model, resources } = readTemplate({ templatePath: DEFAULT_TEMPLATE, suffix: 'IAMTEST' });
  const context: ResolveContext = { region: model.region, accountId: model.accountId, stackName: model.stackName, resources };
  const { checker } = AccessChecker.fromModel(model, context);
  const fn = (prefix: string) => {
    const found = model.functions.find((candidate) => candidate.logicalId.startsWith(prefix));
    if (!found) throw new Error(`no function ${prefix}`);
    return found;
  };
  const tableArn = (prefix: string) => `arn:aws:dynamodb:${model.region}:${model.accountId}:table/${model.tables.find((t) => t.logicalId.startsWith(prefix))!.name}`;
  const api = { apiId: model.api!.apiId, stage: model.api!.stageName };

  it('resolves the policies to local ARNs: the send function may write the Timelines table, the presence function may not', () => {
    const timelines = tableArn('MessagingTimelines');
    expect(timelines).toMatch(/:table\/ServerlessIm-MessagingTimelines.*-IAMTEST$/);
    expect(checker.allows(fn('ActionsSendHandler').logicalId, 'dynamodb:PutItem', timelines)).toBe(true);
    expect(checker.allows(fn('ActionsPresenceHandler').logicalId, 'dynamodb:GetItem', timelines)).toBe(true);
    expect(checker.evaluate(fn('ActionsPresenceHandler').logicalId, { action: 'dynamodb:PutItem', resource: timelines }).decision).toBe('implicit-deny');
  });

  it('covers the indexes of a table only where the policy names them', () => {
    const byUser = `${tableArn('StorageConnections')}/index/byUser`;
    expect(checker.allows(fn('ActionsSendHandler').logicalId, 'dynamodb:Query', byUser)).toBe(true);
    expect(checker.allows(fn('ActionsSyncHandler').logicalId, 'dynamodb:Query', `${tableArn('MessagingTimelines')}/index/any`)).toBe(false);
  });

  it('lets the functions that push manage connections of this API and stage only', () => {
    const post = manageConnectionsRequest(ACCOUNT, api, 'POST', 'Zm9vYmFyYmF6cXV4PQ==');
    expect(checker.allows(fn('ActionsSendHandler').logicalId, post.action, post.resource)).toBe(true);
    expect(checker.allows(fn('ActionsSendHandler').logicalId, post.action, post.resource.replace(`/${api.stage}/`, '/prod/'))).toBe(false);
    // Every action function may push (at least the `closing` of an expired token); the $default route's may not.
    expect(checker.allows(fn('ActionsPresenceHandler').logicalId, post.action, post.resource)).toBe(true);
    expect(checker.allows(fn('DefaultHandler').logicalId, post.action, post.resource)).toBe(false);
  });

  it('lets the authorizer read its signing secret, by its full ARN', () => {
    const secret = model.secrets[0]!;
    const request = secretsManagerRequest(ACCOUNT, 'GetSecretValue', secret.arn, secret.arn);
    expect(checker.allows(fn('AuthAuthorizer').logicalId, request.action, request.resource)).toBe(true);
    expect(checker.allows(fn('ActionsSendHandler').logicalId, request.action, request.resource)).toBe(false);
  });

  it('counts AWSLambdaBasicExecutionRole as CloudWatch Logs only', () => {
    for (const candidate of model.functions) {
      expect(checker.allows(candidate.logicalId, 'logs:PutLogEvents', `arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/${candidate.name}:*`)).toBe(true);
    }
    expect(checker.allows(fn('DefaultHandler').logicalId, 'dynamodb:GetItem', tableArn('StorageConnections'))).toBe(false);
  });

  it('names the caller as the assumed-role session Lambda uses and refuses in AWS words', () => {
    const send = fn('ActionsSendHandler');
    const principal = checker.principalOf(accessKeyIdOf(send))!;
    expect(principal.principalArn).toBe(`arn:aws:sts::123456789012:assumed-role/${resources.get(send.roleLogicalId!)!.ref}/${send.name}`);
    const presence = fn('ActionsPresenceHandler');
    const denial = checker.check(accessKeyIdOf(presence), { action: 'dynamodb:PutItem', resource: tableArn('MessagingTimelines') })!;
    expect(denialMessage(denial)).toBe(
      `User: ${checker.principalOf(accessKeyIdOf(presence))!.principalArn} is not authorized to perform: dynamodb:PutItem on resource: ${tableArn('MessagingTimelines')} because no identity-based policy allows the dynamodb:PutItem action`,
    );
    expect(checker.denials.at(-1)).toBe(denial);
    // Keys that are not a function's are not checked.
    expect(checker.check('localcloud', { action: 'dynamodb:DeleteTable', resource: '*' })).toBeUndefined();
    expect(checker.check(undefined, { action: 'dynamodb:DeleteTable', resource: '*' })).toBeUndefined();
  });
});

describe('inline, stand-alone and managed policies of a role', () => {
  const template: CloudFormationTemplate = {
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [{ PolicyName: 'inline', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }] } }],
          ManagedPolicyArns: [{ Ref: 'Managed' }, 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
        },
      },
      Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'dynamodb:Query', Resource: '*' }] } } },
      RolePolicy: {
        Type: 'AWS::IAM::RolePolicy',
        Properties: { RoleName: { Ref: 'Role' }, PolicyName: 'p', PolicyDocument: { Statement: { Effect: 'Deny', Action: 'dynamodb:Query', Resource: 'arn:aws:dynamodb:*:*:table/Secret*' } } },
      },
      Other: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': ['Key', 'Arn'] } },
              { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: [{ 'Fn::GetAtt': ['Key', 'Arn'] }, 'arn:aws:dynamodb:us-east-1:123456789012:table/T'] },
            ],
          },
        },
      },
      Unrelated: { Type: 'AWS::IAM::Policy', Properties: { Roles: ['someone-else'], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } } },
    },
  };
  const resources = new Map<string, PhysicalResource>([
    ['Role', { ref: 'my-role', attributes: { Arn: 'arn:aws:iam::123456789012:role/my-role' } }],
    ['Queue', { ref: 'http://q', attributes: { Arn: 'arn:aws:sqs:us-east-1:123456789012:q' } }],
    ['Managed', { ref: 'x', attributes: {} }],
    ['Key', { ref: 'k', attributes: {} }],
  ]);
  const role = rolePolicies(template, 'Role', { ...ACCOUNT, stackName: 'S', resources });

  it('collects every attachment, leaves out what cannot be resolved locally and says so', () => {
    expect(role.roleName).toBe('my-role');
    expect(role.statements.map((s) => s.source)).toEqual(['Role.Policies[inline]', 'Managed', 'RolePolicy', 'Other statement 1']);
    expect(role.statements[0]!.resources).toEqual(['arn:aws:sqs:us-east-1:123456789012:q']);
    expect(role.statements[3]!.resources).toEqual(['arn:aws:dynamodb:us-east-1:123456789012:table/T']);
    expect(role.warnings).toEqual([
      expect.stringContaining('ReadOnlyAccess is not known locally'),
      expect.stringContaining('Other statement 0 Resource: left out {"Fn::GetAtt":["Key","Arn"]}'),
      expect.stringContaining('Other statement 0: left out the whole statement'),
      expect.stringContaining('Other statement 1 Resource: left out'),
    ]);
  });
});

describe('mapping calls to IAM actions and resources', () => {
  const table = (name: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`;

  it('maps DynamoDB operations, indexes, batches and transactions as AWS does', () => {
    expect(dynamoDbRequests(ACCOUNT, 'PutItem', { TableName: 'T' })).toEqual([{ action: 'dynamodb:PutItem', resource: table('T') }]);
    expect(dynamoDbRequests(ACCOUNT, 'Query', { TableName: 'T', IndexName: 'byUser' })).toEqual([{ action: 'dynamodb:Query', resource: `${table('T')}/index/byUser` }]);
    expect(dynamoDbRequests(ACCOUNT, 'GetItem', { TableName: table('Arn') })).toEqual([{ action: 'dynamodb:GetItem', resource: table('Arn') }]);
    expect(dynamoDbRequests(ACCOUNT, 'BatchWriteItem', { RequestItems: { A: [], B: [] } })).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: table('A') },
      { action: 'dynamodb:BatchWriteItem', resource: table('B') },
    ]);
    expect(dynamoDbRequests(ACCOUNT, 'BatchGetItem', { RequestItems: { A: {} } })).toEqual([{ action: 'dynamodb:BatchGetItem', resource: table('A') }]);
    expect(
      dynamoDbRequests(ACCOUNT, 'TransactWriteItems', {
        TransactItems: [{ Put: { TableName: 'A' } }, { Update: { TableName: 'B' } }, { Delete: { TableName: 'A' } }, { ConditionCheck: { TableName: 'C' } }],
      }),
    ).toEqual([
      { action: 'dynamodb:PutItem', resource: table('A') },
      { action: 'dynamodb:UpdateItem', resource: table('B') },
      { action: 'dynamodb:DeleteItem', resource: table('A') },
      { action: 'dynamodb:ConditionCheckItem', resource: table('C') },
    ]);
    expect(dynamoDbRequests(ACCOUNT, 'TransactGetItems', { TransactItems: [{ Get: { TableName: 'A' } }] })).toEqual([{ action: 'dynamodb:GetItem', resource: table('A') }]);
    expect(dynamoDbRequests(ACCOUNT, 'ListTables', {})).toEqual([{ action: 'dynamodb:ListTables', resource: '*' }]);
    expect(dynamoDbRequests(ACCOUNT, 'ExecuteStatement', { Statement: 'SELECT * FROM "T"."byUser" WHERE a = ?' })).toEqual([
      { action: 'dynamodb:PartiQLSelect', resource: `${table('T')}/index/byUser` },
    ]);
    expect(dynamoDbRequests(ACCOUNT, 'ExecuteStatement', { Statement: "insert into T value {'a': 1}" })).toEqual([{ action: 'dynamodb:PartiQLInsert', resource: table('T') }]);
  });

  it('maps SQS operations to queue ARNs, batches to their single-message action', () => {
    const arnOf = (url: string) => (url === 'http://front/123456789012/jobs' ? 'arn:aws:sqs:us-east-1:123456789012:jobs' : undefined);
    expect(sqsRequests(ACCOUNT, 'SendMessageBatch', { QueueUrl: 'http://front/123456789012/jobs' }, arnOf)).toEqual([
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:123456789012:jobs' },
    ]);
    expect(sqsRequests(ACCOUNT, 'DeleteMessageBatch', { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/other' }, arnOf)).toEqual([
      { action: 'sqs:DeleteMessage', resource: 'arn:aws:sqs:us-east-1:111122223333:other' },
    ]);
    expect(sqsRequests(ACCOUNT, 'GetQueueUrl', { QueueName: 'jobs' }, arnOf)).toEqual([{ action: 'sqs:GetQueueUrl', resource: 'arn:aws:sqs:us-east-1:123456789012:jobs' }]);
    expect(sqsRequests(ACCOUNT, 'ListQueues', {}, arnOf)).toEqual([{ action: 'sqs:ListQueues', resource: '*' }]);
  });
});
