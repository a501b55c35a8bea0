import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../../local-cloud/local-cloud.js';
import type { CloudFormationTemplate } from '../../../local-cloud/template/cloud-model.js';
import { type ResolveContext, resolveValue } from '../../../local-cloud/template/intrinsics.js';
import { DEFAULT_TEMPLATE, readTemplate, referencedLogicalIds } from '../../../local-cloud/template/read-template.js';
import { connectAs, startTestCloud } from '../../support/test-cloud.js';
import type { TestClient } from '../../support/ws-client.js';

/**
 * The promise: take the real synthesized template, remove one grant, and the local cloud
 * refuses the call where AWS would, with AWS's error; with the template as synthesized the same
 * call works.
 */

const ASSETS = path.dirname(path.resolve(DEFAULT_TEMPLATE));
const text = (value: string) => ({ kind: 'text', text: value });
let counter = 0;
const user = (name: string) => `${name}-iam-${process.pid}-${++counter}`;

type RawStatement = { Action?: unknown; Resource?: unknown };

/**
 * A copy of the template without the statements of `functionPrefix`'s role that `drop` picks, judged
 * on the statement as it resolves locally. Returns the copy's path; exactly one statement must go.
 */
function templateWithout(functionPrefix: string, drop: (statement: { actions: string[]; resources: string[] }, arnOf: (logicalIdPrefix: string) => string) => boolean): string {
  const template = JSON.parse(readFileSync(DEFAULT_TEMPLATE, 'utf8')) as CloudFormationTemplate;
  const { model, resources } = readTemplate({ templatePath: DEFAULT_TEMPLATE, suffix: 'COPY' });
  const context: ResolveContext = { region: model.region, accountId: model.accountId, stackName: model.stackName, resources };
  const fn = model.functions.find((candidate) => candidate.logicalId.startsWith(functionPrefix))!;
  const arnOf = (prefix: string) => [...resources].find(([logicalId]) => logicalId.startsWith(prefix))![1].attributes.Arn!;
  let removed = 0;
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' || !referencedLogicalIds(resource.Properties?.Roles).includes(fn.roleLogicalId!)) continue;
    const document = resource.Properties!.PolicyDocument as { Statement: RawStatement[] };
    document.Statement = document.Statement.filter((raw) => {
      const resolved = resolveValue(raw, context) as { Action: string | string[]; Resource: string | string[] };
      const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
      const dropIt = drop({ actions: list(resolved.Action), resources: list(resolved.Resource) }, arnOf);
      if (dropIt) removed++;
      return !dropIt;
    });
  }
  expect(removed).toBe(1);
  const folder = mkdtempSync(path.join(tmpdir(), 'iam-template-'));
  const copy = path.join(folder, path.basename(DEFAULT_TEMPLATE));
  writeFileSync(copy, JSON.stringify(template));
  return copy;
}

describe('a grant removed from the template is refused locally, as AWS would refuse it', () => {
  const clouds: LocalCloud[] = [];
  const clients: TestClient[] = [];
  const folders: string[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(clouds.splice(0).map((cloud) => cloud.stop()));
  });
  afterAll(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  async function cloudFrom(templatePath: string | undefined): Promise<LocalCloud> {
    if (templatePath) folders.push(path.dirname(templatePath));
    const cloud = await startTestCloud(templatePath ? { templatePath, assetsDir: ASSETS } : {});
    clouds.push(cloud);
    return cloud;
  }
  async function connect(cloud: LocalCloud, userId: string): Promise<TestClient> {
    const client = await connectAs(cloud, userId);
    clients.push(client);
    return client;
  }
  const sendFunction = (cloud: LocalCloud) => cloud.model.functions.find((fn) => fn.logicalId.startsWith('ActionsSendHandler'))!.name;
  const tableArn = (cloud: LocalCloud, prefix: string) => `arn:aws:dynamodb:${cloud.model.region}:${cloud.model.accountId}:table/${cloud.tableName(prefix)}`;

  it('DynamoDB: without its Timelines grant, send fails with AccessDeniedException naming the action and the table', async () => {
    const copy = templateWithout(
      'ActionsSendHandler',
      (statement, arnOf) => statement.actions.includes('dynamodb:PutItem') && statement.resources.includes(arnOf('MessagingTimelines')),
    );
    const cloud = await cloudFrom(copy);
    const [alice, bob] = [user('alice'), user('bob')];
    const sender = await connect(cloud, alice);
    await connect(cloud, bob);

    const reply = await sender.request('send', { clientMsgId: 'c1', to: bob, body: text('hello') });
    expect(reply.ok).toBe(false);
    expect(reply.error?.code).toBe('INTERNAL');

    const timelines = tableArn(cloud, 'MessagingTimelines');
    const refusals = cloud.logs.filter((entry) => entry.functionName === sendFunction(cloud) && entry.line.includes('AccessDeniedException'));
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals[0]!.line).toMatch(new RegExp(`is not authorized to perform: dynamodb:\\w+ on resource: ${timelines.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} because no identity-based policy allows`));
    expect(cloud.iam!.denials.map((denial) => denial.request.resource)).toContain(timelines);
    expect(cloud.iam!.denials.every((denial) => denial.principal.functionName === sendFunction(cloud))).toBe(true);
  });

  it('the same send works with the template as synthesized', async () => {
    const cloud = await cloudFrom(undefined);
    const [alice, bob] = [user('alice'), user('bob')];
    const sender = await connect(cloud, alice);
    const recipient = await connect(cloud, bob);
    const reply = await sender.request('send', { clientMsgId: 'c1', to: bob, body: text('hello') });
    expect(reply.ok).toBe(true);
    await recipient.waitForEvent('message', (item) => item.message.msgId === reply.data.msgId);
    expect(cloud.iam!.denials).toEqual([]);
  });

  it('Management API: without execute-api:ManageConnections, the push is refused with AccessDeniedException', async () => {
    // The push grant (POST @connections); the DeleteConnection grant an action has to close an expired connection stays.
    const copy = templateWithout(
      'ActionsSendHandler',
      (statement) => statement.actions.includes('execute-api:ManageConnections') && statement.resources.some((resource) => resource.includes('/POST/')),
    );
    const cloud = await cloudFrom(copy);
    const [alice, bob] = [user('alice'), user('bob')];
    const sender = await connect(cloud, alice);
    const recipient = await connect(cloud, bob);

    // The message is stored (the push is best-effort), but it never reaches bob's connection.
    const reply = await sender.request('send', { clientMsgId: 'c1', to: bob, body: text('hello') });
    expect(reply.ok).toBe(true);
    const logged = () => cloud.logs.find((entry) => entry.functionName === sendFunction(cloud) && entry.line.includes('AccessDeniedException'));
    await expect.poll(logged, { timeout: 10_000 }).toBeTruthy();
    expect(recipient.events.filter((event) => event.event === 'message')).toEqual([]);

    const denial = cloud.iam!.denials.find((candidate) => candidate.request.action === 'execute-api:ManageConnections')!;
    const api = cloud.model.api!;
    expect(denial.request.resource).toMatch(new RegExp(`^arn:aws:execute-api:us-east-1:123456789012:${api.apiId}/${api.stageName}/POST/@connections/.+`));
  });
});

describe('an event-source mapping whose role cannot poll its queue', () => {
  function templateWithQueueMapping(grant: boolean): string {
    const template = JSON.parse(readFileSync(DEFAULT_TEMPLATE, 'utf8')) as CloudFormationTemplate;
    const functionId = Object.keys(template.Resources).find((id) => id.startsWith('PingHandler') && template.Resources[id]!.Type === 'AWS::Lambda::Function')!;
    const roleId = referencedLogicalIds(template.Resources[functionId]!.Properties!.Role)[0]!;
    template.Resources.IamTestQueue = { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 30 } };
    template.Resources.IamTestMapping = {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { EventSourceArn: { 'Fn::GetAtt': ['IamTestQueue', 'Arn'] }, FunctionName: { Ref: functionId }, BatchSize: 1, Enabled: false },
    };
    const actions = grant ? ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] : ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility'];
    template.Resources.IamTestPolicy = {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'IamTestPolicy',
        Roles: [{ Ref: roleId }],
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: { 'Fn::GetAtt': ['IamTestQueue', 'Arn'] } }] },
      },
    };
    const folder = mkdtempSync(path.join(tmpdir(), 'iam-template-'));
    const copy = path.join(folder, path.basename(DEFAULT_TEMPLATE));
    writeFileSync(copy, JSON.stringify(template));
    return copy;
  }

  it('fails the start, as CloudFormation would fail the deploy, and starts once the role may poll', async () => {
    const missing = templateWithQueueMapping(false);
    await expect(startTestCloud({ templatePath: missing, assetsDir: ASSETS })).rejects.toThrow(
      /IamTestMapping: .*The provided execution role does not have permissions to call DeleteMessage on SQS.*sqs:DeleteMessage on arn:aws:sqs:us-east-1:123456789012:ServerlessIm-IamTestQueue-/,
    );
    rmSync(path.dirname(missing), { recursive: true, force: true });

    const granted = templateWithQueueMapping(true);
    const cloud = await startTestCloud({ templatePath: granted, assetsDir: ASSETS });
    await cloud.stop();
    rmSync(path.dirname(granted), { recursive: true, force: true });
  });
});
