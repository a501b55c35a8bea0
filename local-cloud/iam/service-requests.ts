import type { AccessRequest } from './evaluate.js';

/**
 * What IAM checks for one service call, mapped the way AWS maps it: the actions and resource
 * ARNs of the Service Authorization Reference. A call that needs several (a batch over several
 * tables) needs every one of them.
 */

export interface Account {
  region: string;
  accountId: string;
}

// ---------------------------------------------------------------------------------------------
// DynamoDB

const tableArn = (account: Account, table: string): string =>
  // DynamoDB also accepts a table's ARN wherever it takes a table name.
  table.startsWith('arn:') ? table : `arn:aws:dynamodb:${account.region}:${account.accountId}:table/${table}`;

/** Operations IAM cannot scope to a table: their statements must name `*`. */
const ACCOUNT_LEVEL = new Set(['ListTables', 'DescribeLimits', 'DescribeEndpoints', 'ListBackups', 'ListGlobalTables', 'ListExports', 'ListImports', 'ListContributorInsights']);

const keysOf = (value: unknown): string[] => (value !== null && typeof value === 'object' ? Object.keys(value) : []);

const TRANSACT_WRITE_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

const PARTIQL_ACTIONS: Record<string, string> = {
  SELECT: 'dynamodb:PartiQLSelect',
  INSERT: 'dynamodb:PartiQLInsert',
  UPDATE: 'dynamodb:PartiQLUpdate',
  DELETE: 'dynamodb:PartiQLDelete',
};

/** The table (and index) a PartiQL statement names, e.g. `SELECT * FROM "T"."I" WHERE ...`. */
function partiQlRequest(account: Account, statement: unknown): AccessRequest | undefined {
  if (typeof statement !== 'string') return undefined;
  const verb = /^\s*(\w+)/.exec(statement)?.[1]?.toUpperCase() ?? '';
  const action = PARTIQL_ACTIONS[verb];
  if (!action) return undefined;
  const name = String.raw`(?:"((?:[^"]|"")+)"|([A-Za-z0-9_.-]+))`;
  const target = new RegExp(String.raw`\b(?:FROM|INTO|UPDATE)\s+${name}(?:\s*\.\s*${name})?`, 'i').exec(statement);
  if (!target) return undefined;
  const table = (target[1] ?? target[2] ?? '').replace(/""/g, '"');
  const index = (target[3] ?? target[4])?.replace(/""/g, '"');
  const arn = tableArn(account, table);
  return { action, resource: index === undefined ? arn : `${arn}/index/${index}` };
}

/**
 * DynamoDB: `dynamodb:<Operation>` on the table ARN, `.../index/<IndexName>` for a Query or Scan
 * of an index. BatchGetItem / BatchWriteItem need `dynamodb:BatchGetItem` / `BatchWriteItem` on
 * every table of `RequestItems`. Transactions have no IAM action of their own: TransactWriteItems
 * needs `dynamodb:PutItem` / `UpdateItem` / `DeleteItem` / `ConditionCheckItem` for each of its
 * items on that item's table, TransactGetItems `dynamodb:GetItem` for each. PartiQL statements
 * need `dynamodb:PartiQL<Select|Insert|Update|Delete>` on the table (or index) they name.
 */
export function dynamoDbRequests(account: Account, operation: string, body: Record<string, unknown>): AccessRequest[] {
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return keysOf(body.RequestItems).map((table) => ({ action: `dynamodb:${operation}`, resource: tableArn(account, table) }));
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const items = Array.isArray(body.TransactItems) ? (body.TransactItems as unknown[]) : [];
      return items.flatMap((item) => {
        const [kind] = keysOf(item);
        if (kind === undefined) return [];
        const table = (item as Record<string, { TableName?: unknown }>)[kind]?.TableName;
        const action = operation === 'TransactGetItems' ? 'dynamodb:GetItem' : TRANSACT_WRITE_ACTIONS[kind];
        return action && typeof table === 'string' ? [{ action, resource: tableArn(account, table) }] : [];
      });
    }
    case 'DescribeStream':
    case 'GetRecords':
    case 'GetShardIterator':
    case 'ListStreams':
      return [dynamoDbStreamsRequest(operation, body)];
    case 'ExecuteStatement':
      return [partiQlRequest(account, body.Statement)].filter((request): request is AccessRequest => request !== undefined);
    case 'BatchExecuteStatement':
    case 'ExecuteTransaction': {
      const list = operation === 'BatchExecuteStatement' ? body.Statements : body.TransactStatements;
      return (Array.isArray(list) ? (list as { Statement?: unknown }[]) : [])
        .map((entry) => partiQlRequest(account, entry?.Statement))
        .filter((request): request is AccessRequest => request !== undefined);
    }
    default: {
      const action = `dynamodb:${operation}`;
      if (ACCOUNT_LEVEL.has(operation)) return [{ action, resource: '*' }];
      const table = typeof body.TableName === 'string' ? body.TableName : typeof body.ResourceArn === 'string' ? body.ResourceArn : undefined;
      if (table === undefined) return [{ action, resource: '*' }];
      const arn = tableArn(account, table);
      const index = (operation === 'Query' || operation === 'Scan') && typeof body.IndexName === 'string' ? body.IndexName : undefined;
      return [{ action, resource: index === undefined ? arn : `${arn}/index/${index}` }];
    }
  }
}

/**
 * DynamoDB Streams (same signing name and front door as DynamoDB): `dynamodb:<Operation>` on the
 * stream ARN, which GetRecords takes from its shard iterator (`{streamArn}|...`). ListStreams
 * cannot be scoped to a stream: its statements must name `*`.
 */
export function dynamoDbStreamsRequest(operation: string, body: Record<string, unknown>): AccessRequest {
  const action = `dynamodb:${operation}`;
  if (operation === 'ListStreams') return { action, resource: '*' };
  const arn = operation === 'GetRecords' ? (typeof body.ShardIterator === 'string' ? body.ShardIterator.split('|')[0] : undefined) : body.StreamArn;
  return { action, resource: typeof arn === 'string' && arn.startsWith('arn:') ? arn : '*' };
}

// ---------------------------------------------------------------------------------------------
// SQS

/** Batch operations are authorized as their single-message action (there is no `sqs:SendMessageBatch`). */
const SQS_BATCH_ACTIONS: Record<string, string> = {
  SendMessageBatch: 'sqs:SendMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  ChangeMessageVisibilityBatch: 'sqs:ChangeMessageVisibility',
};

const SQS_ACCOUNT_LEVEL = new Set(['ListQueues']);

/**
 * SQS: `sqs:<Operation>` on the queue ARN (`arn:aws:sqs:{region}:{account}:{name}`), the batch
 * operations as their single-message action. `queueArnOf` maps a `QueueUrl` to its queue's ARN.
 */
export function sqsRequests(account: Account, operation: string, body: Record<string, unknown>, queueArnOf: (queueUrl: string) => string | undefined): AccessRequest[] {
  const action = SQS_BATCH_ACTIONS[operation] ?? `sqs:${operation}`;
  if (SQS_ACCOUNT_LEVEL.has(operation)) return [{ action, resource: '*' }];
  if (typeof body.QueueUrl === 'string') {
    return [{ action, resource: queueArnOf(body.QueueUrl) ?? queueArnFromUrl(account, body.QueueUrl) }];
  }
  if (typeof body.QueueName === 'string') {
    const owner = typeof body.QueueOwnerAWSAccountId === 'string' ? body.QueueOwnerAWSAccountId : account.accountId;
    return [{ action, resource: `arn:aws:sqs:${account.region}:${owner}:${body.QueueName}` }];
  }
  return [{ action, resource: '*' }];
}

/** `https://sqs.{region}.amazonaws.com/{account}/{name}` (or a local form of it) to the queue ARN. */
export function queueArnFromUrl(account: Account, queueUrl: string): string {
  let path = queueUrl;
  try {
    path = new URL(queueUrl).pathname;
  } catch {
    // Not a URL: take it as a path.
  }
  const [owner, name] = path.split('/').filter((part) => part.length > 0).slice(-2);
  return `arn:aws:sqs:${account.region}:${owner ?? account.accountId}:${name ?? owner ?? ''}`;
}

// ---------------------------------------------------------------------------------------------
// API Gateway Management API and Secrets Manager

/** `@connections` calls: `execute-api:ManageConnections` on `{apiId}/{stage}/{METHOD}/@connections/{id}`. */
export function manageConnectionsRequest(account: Account, api: { apiId: string; stage: string }, method: string, connectionId: string): AccessRequest {
  return {
    action: 'execute-api:ManageConnections',
    resource: `arn:aws:execute-api:${account.region}:${account.accountId}:${api.apiId}/${api.stage}/${method.toUpperCase()}/@connections/${connectionId}`,
  };
}

/** `secretsmanager:<Operation>` on the secret's ARN (its full ARN, with the random suffix). */
export function secretsManagerRequest(account: Account, operation: string, secretArn: string | undefined, secretId: string): AccessRequest {
  const resource = secretArn ?? (secretId.startsWith('arn:') ? secretId : `arn:aws:secretsmanager:${account.region}:${account.accountId}:secret:${secretId}`);
  return { action: `secretsmanager:${operation}`, resource };
}

// ---------------------------------------------------------------------------------------------
// S3

/** What the S3 call is about, as the local S3 reports it (see `local-cloud/s3/s3-server.ts`). */
export interface S3Request {
  operation: string;
  bucket?: string;
  key?: string;
  copySource?: { bucket: string; key: string };
  /** The write sets the object's tags too. */
  tagging?: boolean;
}

export const s3BucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
export const s3ObjectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;

/** Object operations -> their action (on `arn:aws:s3:::{bucket}/{key}`). */
const S3_OBJECT_ACTIONS: Record<string, string> = {
  PutObject: 's3:PutObject',
  PostObject: 's3:PutObject',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  DeleteObject: 's3:DeleteObject',
  GetObjectTagging: 's3:GetObjectTagging',
  PutObjectTagging: 's3:PutObjectTagging',
  DeleteObjectTagging: 's3:DeleteObjectTagging',
};

/** Bucket operations -> their action (on `arn:aws:s3:::{bucket}`). */
const S3_BUCKET_ACTIONS: Record<string, string> = {
  ListObjects: 's3:ListBucket',
  ListObjectsV2: 's3:ListBucket',
  HeadBucket: 's3:ListBucket',
  GetBucketLocation: 's3:GetBucketLocation',
  GetBucketCors: 's3:GetBucketCORS',
};

/**
 * S3, per the Service Authorization Reference: object operations need their action on the
 * object ARN `arn:aws:s3:::{bucket}/{key}` (HeadObject is `s3:GetObject`, a POST form upload
 * `s3:PutObject`), listing needs `s3:ListBucket` on the bucket ARN `arn:aws:s3:::{bucket}`
 * (HeadBucket too), ListBuckets `s3:ListAllMyBuckets` on `*`. CopyObject needs `s3:GetObject` on
 * the source and `s3:PutObject` on the target; a write that sets tags also
 * `s3:PutObjectTagging`. DeleteObjects is authorized key by key as `s3:DeleteObject` (the local
 * S3 asks once per key). S3 ARNs name no region or account.
 */
export function s3Requests(request: S3Request): AccessRequest[] {
  const { operation, bucket, key } = request;
  if (operation === 'ListBuckets') return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
  if (bucket === undefined) return [{ action: `s3:${operation}`, resource: '*' }];
  const bucketAction = S3_BUCKET_ACTIONS[operation];
  if (bucketAction) return [{ action: bucketAction, resource: s3BucketArn(bucket) }];
  const objectArn = s3ObjectArn(bucket, key ?? '');
  const tagging = request.tagging ? [{ action: 's3:PutObjectTagging', resource: objectArn }] : [];
  if (operation === 'CopyObject') {
    const source = request.copySource ? [{ action: 's3:GetObject', resource: s3ObjectArn(request.copySource.bucket, request.copySource.key) }] : [];
    return [...source, { action: 's3:PutObject', resource: objectArn }, ...tagging];
  }
  return [{ action: S3_OBJECT_ACTIONS[operation] ?? `s3:${operation}`, resource: objectArn }, ...tagging];
}

// ---------------------------------------------------------------------------------------------
// EventBridge and execute-api:Invoke

/** EventBridge PutEvents: `events:PutEvents` on the ARN of every bus its entries name (`arn:aws:events:{region}:{account}:event-bus/{name}`). */
export function putEventsRequests(eventBusArns: readonly string[]): AccessRequest[] {
  return eventBusArns.map((resource) => ({ action: 'events:PutEvents', resource }));
}

/** A request to an IAM-authorized HTTP API route: `execute-api:Invoke` on `{apiId}/{stage}/{METHOD}/{path}` (the path as requested, without its leading `/`). */
export function executeApiInvokeRequest(account: Account, api: { apiId: string; stage: string }, method: string, path: string): AccessRequest {
  return {
    action: 'execute-api:Invoke',
    resource: `arn:aws:execute-api:${account.region}:${account.accountId}:${api.apiId}/${api.stage}/${method.toUpperCase()}/${path.replace(/^\//, '')}`,
  };
}

// ---------------------------------------------------------------------------------------------
// SNS (mobile push) and Lambda

/** The parameter whose ARN each SNS operation is checked against; operations not listed take `*`. */
const SNS_RESOURCE_PARAMETER: Record<string, string> = {
  CreatePlatformEndpoint: 'PlatformApplicationArn',
  GetPlatformApplicationAttributes: 'PlatformApplicationArn',
  SetPlatformApplicationAttributes: 'PlatformApplicationArn',
  DeletePlatformApplication: 'PlatformApplicationArn',
  ListEndpointsByPlatformApplication: 'PlatformApplicationArn',
  GetEndpointAttributes: 'EndpointArn',
  SetEndpointAttributes: 'EndpointArn',
  DeleteEndpoint: 'EndpointArn',
};

/**
 * SNS: `sns:<Operation>`. Mobile push calls are checked against the platform application's ARN
 * (`arn:aws:sns:{region}:{account}:app/{platform}/{name}`: CreatePlatformEndpoint and the
 * application's own operations) or the endpoint's (`...:endpoint/{platform}/{name}/{id}`:
 * Get/SetEndpointAttributes, DeleteEndpoint); Publish against its TargetArn or TopicArn, `*`
 * for a phone number. CreatePlatformApplication and the List calls take `*`.
 */
export function snsRequest(operation: string, parameters: ReadonlyMap<string, string>): AccessRequest {
  const action = `sns:${operation}`;
  if (operation === 'Publish') return { action, resource: parameters.get('TargetArn') || parameters.get('TopicArn') || '*' };
  const parameter = SNS_RESOURCE_PARAMETER[operation];
  return { action, resource: (parameter && parameters.get(parameter)) || '*' };
}

/** Lambda Invoke: `lambda:InvokeFunction` on the function's ARN, qualified (`...:function:name:qualifier`) when the call names a version or alias. */
export function lambdaInvokeRequest(resourceArn: string): AccessRequest {
  return { action: 'lambda:InvokeFunction', resource: resourceArn };
}
