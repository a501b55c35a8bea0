import { ApiGatewayManagementApiClient, GetConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startDynamoDbFrontDoor, type RunningFrontDoor } from '../../../local-cloud/front-door/dynamodb-front-door.js';
import { startSqsFrontDoor, type RunningSqsFrontDoor } from '../../../local-cloud/front-door/sqs-front-door.js';
import { WebSocketGateway } from '../../../local-cloud/gateway/websocket-gateway.js';
import { AWS_GATEWAY_LIMITS } from '../../../local-cloud/gateway/gateway-config.js';
import { AccessChecker, type FunctionPrincipal } from '../../../local-cloud/iam/access-checker.js';
import { dynamoDbInspector, managementCallAuthorizer, secretsAuthorizer, sqsInspector } from '../../../local-cloud/iam/enforcement.js';
import { parsePolicyDocument } from '../../../local-cloud/iam/policy-document.js';
import { type RunningSecretsManager, startSecretsManager } from '../../../local-cloud/secrets/secrets-manager-server.js';
import { type SqsServer, startSqsServer } from '../../../local-cloud/sqs/sqs-server.js';
import { FakeInvoker } from '../gateway/helpers.js';

const ACCOUNT = { region: 'us-east-1', accountId: '123456789012' };
const KEY = 'LOCALWORKER';
const ROLE_SESSION = 'arn:aws:sts::123456789012:assumed-role/worker-role/worker';
const suffix = `${process.pid}${Date.now()}`;

interface SdkError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

async function failure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the call to be refused');
}

function worker(statements: Record<string, unknown>[]): AccessChecker {
  const principal: FunctionPrincipal = {
    accessKeyId: KEY,
    functionLogicalId: 'Worker',
    functionName: 'worker',
    roleLogicalId: 'WorkerRole',
    roleName: 'worker-role',
    principalArn: ROLE_SESSION,
    statements: parsePolicyDocument({ Statement: statements }, 'WorkerPolicy'),
  };
  return new AccessChecker([principal]);
}

const credentials = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: 'local' });

describe('SQS through its front door, with the real SDK', () => {
  let sqs: SqsServer;
  let frontDoor: RunningSqsFrontDoor;
  let jobs: { url: string; front: string; arn: string };
  let audit: { url: string; front: string; arn: string };
  const clients: SQSClient[] = [];

  beforeAll(async () => {
    sqs = await startSqsServer();
    frontDoor = await startSqsFrontDoor(sqs.endpoint);
    const admin = new SQSClient({ endpoint: sqs.endpoint, region: ACCOUNT.region, credentials: credentials('admin') });
    clients.push(admin);
    const create = async (name: string) => {
      const { QueueUrl } = await admin.send(new CreateQueueCommand({ QueueName: name }));
      return { url: QueueUrl!, front: frontDoor.exposeQueue(QueueUrl!), arn: `arn:aws:sqs:us-east-1:123456789012:${name}` };
    };
    jobs = await create(`jobs-${suffix}`);
    audit = await create(`audit-${suffix}`);
    const checker = worker([
      { Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueUrl'], Resource: jobs.arn },
      { Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: 'arn:aws:sqs:us-east-1:123456789012:*' },
      { Effect: 'Deny', Action: 'sqs:ReceiveMessage', Resource: audit.arn },
    ]);
    const arns = new Map([
      [jobs.front, jobs.arn],
      [audit.front, audit.arn],
    ]);
    frontDoor.inspectors.push(sqsInspector(checker, ACCOUNT, (url) => arns.get(url)));
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await frontDoor?.stop();
    await sqs?.stop();
  });

  const client = (accessKeyId: string) => {
    const created = new SQSClient({ endpoint: frontDoor.endpoint, region: ACCOUNT.region, credentials: credentials(accessKeyId) });
    clients.push(created);
    return created;
  };

  it('forwards what the role allows, with queue URLs that keep naming the front door', async () => {
    const sqsClient = client(KEY);
    expect(jobs.front.startsWith(frontDoor.endpoint)).toBe(true);
    const sent = await sqsClient.send(new SendMessageCommand({ QueueUrl: jobs.front, MessageBody: 'hello' }));
    expect(sent.MessageId).toBeTruthy();
    const { QueueUrl } = await sqsClient.send(new GetQueueUrlCommand({ QueueName: `jobs-${suffix}` }));
    expect(QueueUrl).toBe(jobs.front);
    const received = await sqsClient.send(new ReceiveMessageCommand({ QueueUrl: jobs.front, WaitTimeSeconds: 1 }));
    expect(received.Messages?.map((message) => message.Body)).toEqual(['hello']);
  });

  it('refuses SendMessageBatch as sqs:SendMessage, with the error AWS sends (AccessDenied, 403)', async () => {
    const error = await failure(client(KEY).send(new SendMessageBatchCommand({ QueueUrl: audit.front, Entries: [{ Id: '1', MessageBody: 'x' }] })));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      `User: ${ROLE_SESSION} is not authorized to perform: sqs:sendmessage on resource: ${audit.arn} because no identity-based policy allows the sqs:sendmessage action`,
    );
  });

  it('lets an explicit Deny win over a wildcard Allow', async () => {
    const error = await failure(client(KEY).send(new ReceiveMessageCommand({ QueueUrl: audit.front })));
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe(`User: ${ROLE_SESSION} is not authorized to perform: sqs:receivemessage on resource: ${audit.arn} with an explicit deny in an identity-based policy`);
  });

  it('does not check callers that are not functions', async () => {
    const sent = await client('someone').send(new SendMessageCommand({ QueueUrl: audit.front, MessageBody: 'admin' }));
    expect(sent.MessageId).toBeTruthy();
  });
});

describe('DynamoDB through its front door, with the real SDK', () => {
  let frontDoor: RunningFrontDoor;
  let dynamo: DynamoDBClient;
  const allowed = `iam-allowed-${suffix}`;
  const other = `iam-other-${suffix}`;
  const arn = (table: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${table}`;

  beforeAll(async () => {
    const endpoint = inject('dynamoDbEndpoint');
    const admin = new DynamoDBClient({ endpoint, region: ACCOUNT.region, credentials: credentials('localcloud') });
    for (const TableName of [allowed, other]) {
      await admin.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
    }
    admin.destroy();
    frontDoor = await startDynamoDbFrontDoor(endpoint);
    frontDoor.inspectors.push(dynamoDbInspector(worker([{ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: arn(allowed) }]), ACCOUNT));
    // DynamoDB Local accepts only letters and digits in access keys: so do the functions' keys.
    dynamo = new DynamoDBClient({ endpoint: frontDoor.endpoint, region: ACCOUNT.region, credentials: credentials(KEY) });
  });
  afterAll(async () => {
    dynamo?.destroy();
    await frontDoor?.stop();
  });

  it('forwards allowed calls and refuses the others with AccessDeniedException (400)', async () => {
    await dynamo.send(new PutItemCommand({ TableName: allowed, Item: { pk: { S: 'a' } } }));
    expect((await dynamo.send(new GetItemCommand({ TableName: allowed, Key: { pk: { S: 'a' } } }))).Item).toEqual({ pk: { S: 'a' } });

    const error = await failure(dynamo.send(new PutItemCommand({ TableName: other, Item: { pk: { S: 'a' } } })));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      `User: ${ROLE_SESSION} is not authorized to perform: dynamodb:PutItem on resource: ${arn(other)} because no identity-based policy allows the dynamodb:PutItem action`,
    );
  });

  it('needs each item of a transaction allowed on its own table', async () => {
    const error = await failure(
      dynamo.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: allowed, Item: { pk: { S: 'b' } } } }, { Update: { TableName: allowed, Key: { pk: { S: 'b' } }, UpdateExpression: 'SET x = :x', ExpressionAttributeValues: { ':x': { N: '1' } } } }],
        }),
      ),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain(`dynamodb:UpdateItem on resource: ${arn(allowed)}`);
  });
});

describe('the @connections Management API, with the real SDK', () => {
  let gateway: WebSocketGateway;
  let management: ApiGatewayManagementApiClient;
  let admin: ApiGatewayManagementApiClient;

  beforeAll(async () => {
    const checker = worker([
      { Effect: 'Allow', Action: 'execute-api:ManageConnections', Resource: 'arn:aws:execute-api:us-east-1:123456789012:api1234567/dev/GET/@connections/*' },
    ]);
    gateway = await WebSocketGateway.start({
      port: 0,
      apiId: 'api1234567',
      stage: 'dev',
      region: ACCOUNT.region,
      accountId: ACCOUNT.accountId,
      routeSelectionExpression: '$request.body.action',
      routes: [],
      invoker: new FakeInvoker(),
      limits: AWS_GATEWAY_LIMITS,
      authorizeManagementCall: managementCallAuthorizer(checker, ACCOUNT, { apiId: 'api1234567', stage: 'dev' }),
    });
    management = new ApiGatewayManagementApiClient({ endpoint: gateway.managementEndpoint, region: ACCOUNT.region, credentials: credentials(KEY) });
    admin = new ApiGatewayManagementApiClient({ endpoint: gateway.managementEndpoint, region: ACCOUNT.region, credentials: credentials('admin') });
  });
  afterAll(async () => {
    management?.destroy();
    admin?.destroy();
    await gateway?.stop();
  });

  it('refuses a method the role does not cover with AccessDeniedException (403), before looking at the connection', async () => {
    const error = await failure(management.send(new PostToConnectionCommand({ ConnectionId: 'Zm9vYmFyYmF6cXU=', Data: 'x' })));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      `User: ${ROLE_SESSION} is not authorized to perform: execute-api:ManageConnections on resource: arn:aws:execute-api:us-east-1:********9012:api1234567/dev/POST/@connections/{connectionId}`,
    );
  });

  it('serves what the role allows, and callers that are not functions, as before', async () => {
    expect((await failure(management.send(new GetConnectionCommand({ ConnectionId: 'Zm9vYmFyYmF6cXU=' })))).name).toBe('GoneException');
    expect((await failure(admin.send(new PostToConnectionCommand({ ConnectionId: 'Zm9vYmFyYmF6cXU=', Data: 'x' })))).name).toBe('GoneException');
  });
});

describe('Secrets Manager, with the real SDK', () => {
  let server: RunningSecretsManager;
  const mine = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:mine-AbCdEf';
  const theirs = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:theirs-GhIjKl';
  const clients: SecretsManagerClient[] = [];
  const client = (accessKeyId: string) => {
    const created = new SecretsManagerClient({ endpoint: server.endpoint, region: ACCOUNT.region, credentials: credentials(accessKeyId) });
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    const checker = worker([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:mine-??????' }]);
    server = await startSecretsManager(
      new Map([
        [mine, 'one'],
        [theirs, 'two'],
      ]),
      { authorize: secretsAuthorizer(checker, ACCOUNT) },
    );
  });
  afterAll(async () => {
    for (const created of clients) created.destroy();
    await server?.stop();
  });

  it('serves an allowed secret and refuses another with AccessDeniedException (400)', async () => {
    expect((await client(KEY).send(new GetSecretValueCommand({ SecretId: 'mine' }))).SecretString).toBe('one');
    const error = await failure(client(KEY).send(new GetSecretValueCommand({ SecretId: 'theirs' })));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      `User: ${ROLE_SESSION} is not authorized to perform: secretsmanager:GetSecretValue on resource: theirs because no identity-based policy allows the secretsmanager:GetSecretValue action`,
    );
    expect((await client('admin').send(new GetSecretValueCommand({ SecretId: theirs }))).SecretString).toBe('two');
  });
});
