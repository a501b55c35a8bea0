import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { refuseNonLoopbackDevRequest } from './dev-endpoint-guard.js';
import { createDevTokenSigner, type DevTokenSigner, devTokenEndpoint } from './dev-token.js';
import { createTables } from './dynamodb/create-tables.js';
import { startDynamoDbLocal } from './dynamodb/dynamodb-local.js';
import { devEventsEndpoint } from './eventbridge/dev-events-endpoint.js';
import { type LocalSchedules, readSchedules, startSchedules } from './eventbridge/schedules.js';
import type { EventLog } from './eventbridge/event-log.js';
import { startEventBridge } from './eventbridge/eventbridge-server.js';
import { startDynamoDbFrontDoor, type RunningFrontDoor } from './front-door/dynamodb-front-door.js';
import { indexLagInterceptor } from './front-door/index-lag.js';
import { type RunningSqsFrontDoor, startSqsFrontDoor } from './front-door/sqs-front-door.js';
import { accessKeyIdOf, functionEnvironment, type LocalEndpoints } from './function-environment.js';
import { AWS_GATEWAY_LIMITS, type GatewayLimits } from './gateway/gateway-config.js';
import { WebSocketGateway } from './gateway/websocket-gateway.js';
import { httpApiFromTemplate, type LocalHttpApi, localHttpApi } from './http-api/http-api-from-template.js';
import { AccessChecker } from './iam/access-checker.js';
import {
  checkEventSourceMappings,
  describeDenial,
  dynamoDbInspector,
  eventBridgeAuthorizer,
  lambdaAuthorizer,
  managementCallAuthorizer,
  secretsAuthorizer,
  snsInspector,
  sqsInspector,
} from './iam/enforcement.js';
import { type ExtraFunction, extraFunctionSpec } from './lambda-api/extra-functions.js';
import { type RunningLambdaApi, startLambdaApi } from './lambda-api/lambda-api-server.js';
import type { RunnableFunction } from './lambda/function-instance-pool.js';
import type { FunctionInvoker } from './lambda/invoker.js';
import { LambdaRuntime } from './lambda/lambda-runtime.js';
import { startLocalS3 } from './s3/local-s3.js';
import type { RunningS3 } from './s3/s3-server.js';
import { checkStreamEventSourceMappings } from './iam/stream-mapping-check.js';
import { secretValues } from './secrets/secret-values.js';
import { devPushEndpoint } from './sns/dev-push-endpoint.js';
import { LocalSns } from './sns/local-sns.js';
import { startSnsServer } from './sns/sns-server.js';
import { createTemplatePlatformApplications } from './sns/template-platform-applications.js';
import { startSecretsManager } from './secrets/secrets-manager-server.js';
import { createQueues } from './sqs/create-queues.js';
import { SqsEventSourceMapping } from './sqs/event-source-mapping.js';
import { startSqsServer } from './sqs/sqs-server.js';
import { FileCheckpointStore } from './streams/checkpoint-store.js';
import { type LocalStreams, startStreamMappings } from './streams/local-streams.js';
import { prepareTableStreams } from './streams/table-streams.js';
import type { CloudModel, FunctionSpec } from './template/cloud-model.js';
import type { ResolveContext } from './template/intrinsics.js';
import { setQueueUrl } from './template/physical-resources.js';
import { readEventBuses } from './template/read-event-buses.js';
import { DEFAULT_TEMPLATE, readTemplate } from './template/read-template.js';

export { DEFAULT_TEMPLATE };

export interface LocalCloudOptions {
  /** Synthesized template; default `cdk.out/ServerlessIm.template.json`. */
  templatePath?: string;
  /** Port of the WebSocket gateway and HTTP endpoints on 127.0.0.1; 0 picks a free one. Default 3000. */
  port?: number;
  /** Keep DynamoDB data and secrets in this folder across restarts (embedded DynamoDB only). */
  dataDir?: string;
  /** Use this DynamoDB endpoint (a shared DynamoDB Local, or LocalStack) instead of starting one. */
  dynamoDbEndpoint?: string;
  /** Use this SQS endpoint (LocalStack) instead of the embedded emulator. */
  sqsEndpoint?: string;
  /**
   * Stands in for the random part of CloudFormation's generated names. Tests give each cloud its
   * own, so several clouds can share one DynamoDB without seeing each other's tables.
   */
  resourceSuffix?: string;
  limits?: Partial<GatewayLimits>;
  maxConcurrencyPerFunction?: number;
  /**
   * Test-only: extra environment variables for every function (e.g. a shorter connection TTL),
   * on top of what the template gives them.
   */
  functionEnvironment?: Record<string, string>;
  /**
   * Test-only: queue attributes that replace the template's for every queue, e.g. a short
   * `VisibilityTimeout` so a test sees SQS redeliver within seconds rather than minutes.
   */
  queueAttributes?: Record<string, string>;
  /** Where function logs go (one line at a time); default: kept in `logs` only. */
  onFunctionLog?: (functionName: string, line: string) => void;
  /** Extra HTTP endpoints served on the gateway's origin (e.g. the web chat page). */
  httpHandler?: (request: IncomingMessage, response: ServerResponse) => boolean | Promise<boolean>;
  /**
   * Check every AWS call a function makes against its role's policies in the template, and
   * refuse what the role does not allow as AWS would (docs/local-cloud.md, "IAM"). Default: on,
   * unless the environment says `LOCAL_CLOUD_IAM=off`.
   */
  iam?: boolean;
  /** Where the CDK assets (`asset.*` folders) are; default: the template's folder. */
  assetsDir?: string;
  /** Port of the local S3 on 127.0.0.1; default 0 (a free one). */
  s3Port?: number;
  /** Test-only: the local S3's clock (presigned URLs expire by it), e.g. to see a URL expire without waiting. */
  s3Clock?: () => Date;
  /**
   * Functions the stack calls by ARN that are not in the template (the company's moderation
   * function), run from a file under `arn:aws:lambda:{region}:{account}:function:{name}`
   * (docs/local-cloud.md, "Lambda Invoke").
   */
  extraFunctions?: ExtraFunction[];
  /** Test-only: delays before a failed `Event` invocation is retried (Lambda: about 1 and 2 minutes). */
  lambdaEventRetryDelaysMs?: number[];
  /** Run the template's scheduled EventBridge rules on their period (default true; `schedules.runNow` works either way). */
  runSchedules?: boolean;
}

export interface LocalCloud {
  /** ws://127.0.0.1:PORT: where clients connect (`?token=...&device=...`). */
  readonly url: string;
  /** http://127.0.0.1:PORT: the dev token endpoint and web page. */
  readonly httpUrl: string;
  readonly port: number;
  readonly model: CloudModel;
  readonly dynamoDbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly managementEndpoint: string;
  readonly gateway: WebSocketGateway;
  readonly lambda: LambdaRuntime;
  /** What the functions' DynamoDB calls go through: capacity ledger, IAM and fault hooks. */
  readonly dynamoFrontDoor: RunningFrontDoor;
  /** What the functions' SQS calls go through (IAM); `sqsEndpoint` is SQS itself. */
  readonly sqsFrontDoor: RunningSqsFrontDoor;
  /** http://127.0.0.1:PORT: the local S3 (path-style), what functions get as `AWS_ENDPOINT_URL_S3`. */
  readonly s3Endpoint: string;
  /** The local S3: its buckets and object store. */
  readonly s3: RunningS3;
  /** Physical name of a bucket by the start of its logical id. */
  bucketName(logicalIdPrefix: string): string;
  /** The IAM check of the functions' calls (its `denials`), or undefined when IAM is off. */
  readonly iam: AccessChecker | undefined;
  /** The local EventBridge (every function's `AWS_ENDPOINT_URL_EVENTBRIDGE`). */
  readonly eventBridgeEndpoint: string;
  /** Every event the local EventBridge accepted, oldest first (also at `GET /dev/events`). */
  readonly events: EventLog;
  /** The template's HTTP API, served at `${httpUrl}/api`; undefined when the stack has none. */
  readonly httpApi: LocalHttpApi | undefined;
  /** The local SNS's mobile push: endpoints, recorded notifications, `unregisterToken` (docs/local-cloud.md, "SNS"). */
  readonly sns: LocalSns;
  readonly snsEndpoint: string;
  /** The Lambda Invoke API the functions' `AWS_ENDPOINT_URL_LAMBDA` names. */
  readonly lambdaEndpoint: string;
  readonly lambdaApi: RunningLambdaApi;
  /** The template's scheduled EventBridge rules (the token sweeper): `schedules.runNow('TokenSweeper')` runs one at once. */
  readonly schedules: LocalSchedules;
  /** The DynamoDB stream event-source mappings: `streams.drained()` waits until they delivered everything written so far. */
  readonly streams: LocalStreams;
  /** Function log lines, newest last, for tests that check what was logged. */
  readonly logs: { functionName: string; line: string }[];
  /** Physical name of a resource by the start of its logical id, e.g. `tableName('StorageConnections')`. */
  tableName(logicalIdPrefix: string): string;
  /**
   * Makes a global secondary index lag its table by `lagMs`, as an index on AWS may: new items are
   * missing from its queries and deleted ones still listed for that long after the write
   * (`front-door/index-lag.ts`). Returns the function that ends the simulation.
   */
  simulateIndexLag(tableLogicalIdPrefix: string, indexName: string, lagMs: number): () => void;
  devToken(userId: string, options?: { ttlSeconds?: number; deviceId?: string }): Promise<string>;
  stop(): Promise<void>;
}

// DynamoDB Local accepts only letters and digits in access keys.
export const LOCAL_CREDENTIALS = { accessKeyId: 'localcloud', secretAccessKey: 'localcloud' };

/** Runs the synthesized stack on this machine: DynamoDB, SQS, Secrets Manager, EventBridge, Lambda, the WebSocket API and the HTTP API. */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const templatePath = path.resolve(options.templatePath ?? DEFAULT_TEMPLATE);
  const { model, resources } = readTemplate({
    templatePath,
    suffix: options.resourceSuffix ?? 'local',
    ...(options.assetsDir ? { assetsDir: path.resolve(options.assetsDir) } : {}),
  });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };

  try {
    let dynamoDbEndpoint = options.dynamoDbEndpoint;
    if (!dynamoDbEndpoint) {
      const dynamo = await startDynamoDbLocal(options.dataDir ? { dataDir: path.join(options.dataDir, 'dynamodb') } : {});
      stops.push(dynamo.stop);
      dynamoDbEndpoint = dynamo.endpoint;
    }
    const dynamoClient = new DynamoDBClient({ endpoint: dynamoDbEndpoint, region: model.region, credentials: LOCAL_CREDENTIALS });
    stops.push(async () => dynamoClient.destroy());
    await createTables(dynamoClient, model.tables);
    // Stream ARNs exist now: `Fn::GetAtt [T, StreamArn]` resolves to them from here on.
    const tableStreams = await prepareTableStreams(dynamoClient, model.tables, resources);
    const dynamoFrontDoor = await startDynamoDbFrontDoor(
      dynamoDbEndpoint,
      new Map(model.functions.map((fn) => [accessKeyIdOf(fn), fn.logicalId])),
    );
    stops.push(dynamoFrontDoor.stop);
    const arns = tableStreams.translation;
    if (arns) dynamoFrontDoor.rewrites.push({ request: (body) => arns.toLocal(body), response: (body) => arns.toStack(body) });

    let sqsEndpoint = options.sqsEndpoint;
    if (!sqsEndpoint) {
      const sqs = await startSqsServer();
      stops.push(sqs.stop);
      sqsEndpoint = sqs.endpoint;
    }
    const sqsFrontDoor = await startSqsFrontDoor(sqsEndpoint);
    stops.push(sqsFrontDoor.stop);
    const sqsClient = new SQSClient({ endpoint: sqsEndpoint, region: model.region, credentials: LOCAL_CREDENTIALS });
    stops.push(async () => sqsClient.destroy());
    const queueSpecs = model.queues.map((queue) => ({ ...queue, attributes: { ...queue.attributes, ...options.queueAttributes } }));
    const queues = await createQueues(sqsClient, queueSpecs);
    // Functions get queue URLs of the SQS front door (the pollers below use SQS's own).
    for (const [logicalId, queue] of queues) setQueueUrl(resources, logicalId, sqsFrontDoor.exposeQueue(queue.url));
    const context: ResolveContext = { region: model.region, accountId: model.accountId, stackName: model.stackName, resources };

    // SNS before IAM: the platform applications the template creates get their ARNs here.
    const sns = new LocalSns({ region: model.region, accountId: model.accountId });
    createTemplatePlatformApplications(sns, model.template, resources, context);
    const snsServer = await startSnsServer(sns);
    stops.push(snsServer.stop);

    // IAM: every physical name is known now, so the roles' policies resolve to local ARNs.
    const account = { region: model.region, accountId: model.accountId };
    let iam: AccessChecker | undefined;
    if (options.iam ?? process.env.LOCAL_CLOUD_IAM !== 'off') {
      const built = AccessChecker.fromModel(model, context, { onDenial: (denial) => console.warn(`[iam] ${describeDenial(denial)}`) });
      for (const warning of built.warnings) console.warn(`[iam] ${warning}`);
      iam = built.checker;
      checkEventSourceMappings(iam, model, resources);
      checkStreamEventSourceMappings(iam, model, resources);
      const queueArns = new Map<string, string>();
      for (const [logicalId, queue] of queues) {
        const arn = resources.get(logicalId)?.attributes.Arn;
        if (arn) for (const url of [queue.url, resources.get(logicalId)!.ref]) queueArns.set(url, arn);
      }
      dynamoFrontDoor.inspectors.push(dynamoDbInspector(iam, account));
      sqsFrontDoor.inspectors.push(sqsInspector(iam, account, (url) => queueArns.get(url)));
      snsServer.inspectors.push(snsInspector(iam));
    }

    const secrets = secretValues(model.secrets, options.dataDir);
    const secretsManager = await startSecretsManager(secrets, iam ? { authorize: secretsAuthorizer(iam, account) } : {});
    stops.push(secretsManager.stop);

    const s3 = await startLocalS3(model, context, {
      adminCredentials: LOCAL_CREDENTIALS,
      ...(iam ? { iam } : {}),
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.s3Port !== undefined ? { port: options.s3Port } : {}),
      ...(options.s3Clock ? { now: options.s3Clock } : {}),
    });
    stops.push(s3.stop);
    const eventBridge = await startEventBridge({
      ...account,
      buses: readEventBuses(model.template, resources, account),
      ...(iam ? { authorize: eventBridgeAuthorizer(iam) } : {}),
    });
    stops.push(eventBridge.stop);
    const devEvents = devEventsEndpoint(eventBridge.events);

    // The gateway must exist before the functions (their environment names its port), and the
    // functions before the gateway's first invocation: bind the invoker late.
    let runtime: LambdaRuntime | undefined;
    const invoker: FunctionInvoker = {
      invoke: (name, event) => (runtime ? runtime.invoke(name, event) : Promise.reject(new Error('functions are not ready'))),
    };
    const logs: { functionName: string; line: string }[] = [];
    const extraSpecs = await Promise.all((options.extraFunctions ?? []).map((extra) => extraFunctionSpec(extra, account)));
    for (const extra of extraSpecs) {
      if (model.functions.some((fn) => fn.name === extra.name)) throw new Error(`extra function ${extra.name}: the template has a function of that name`);
    }
    const reservedConcurrency = new Map(
      [...model.functions, ...extraSpecs].flatMap((fn) => (fn.reservedConcurrency === undefined ? [] : [[fn.name, fn.reservedConcurrency] as const])),
    );
    const lambdaApi = await startLambdaApi({
      ...account,
      target: () => runtime,
      reservedConcurrency,
      ...(iam ? { authorize: lambdaAuthorizer(iam) } : {}),
      ...(options.lambdaEventRetryDelaysMs ? { eventRetryDelaysMs: options.lambdaEventRetryDelaysMs } : {}),
      onEventFailure: (functionName, error) => console.warn(`[lambda] Event invocation of ${functionName} failed on every attempt: ${error.errorType}: ${error.message}`),
    });
    stops.push(lambdaApi.stop);
    const devPush = devPushEndpoint(sns);
    const functionByLogicalId = new Map(model.functions.map((fn) => [fn.logicalId, fn]));
    const nameOf = (logicalId: string): string => {
      const fn = functionByLogicalId.get(logicalId);
      if (!fn) throw new Error(`unknown function ${logicalId}`);
      return fn.name;
    };

    const authorizerFunction = model.api?.authorizer ? functionByLogicalId.get(model.api.authorizer.functionLogicalId) : undefined;
    let signer: DevTokenSigner | undefined;
    const devTokens = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> =>
      signer ? devTokenEndpoint(signer)(request, response) : false;

    const httpApi = httpApiFromTemplate({ model, resources, invoker, functionName: nameOf, iam });

    // A stack without a WebSocket API (a test fixture) still gets the gateway's origin, with no routes.
    const api = model.api ?? { logicalId: '', apiId: 'noapi00000', routeSelectionExpression: '$request.body.action', stageName: 'local', routes: [] };
    const gateway = await WebSocketGateway.start({
      port: options.port ?? 3000,
      apiId: api.apiId,
      stage: api.stageName,
      region: model.region,
      accountId: model.accountId,
      routeSelectionExpression: api.routeSelectionExpression,
      routes: api.routes.map((route) =>
        route.mock !== undefined
          ? { routeKey: route.routeKey, mock: route.mock, twoWay: route.twoWay }
          : { routeKey: route.routeKey, functionName: nameOf(route.functionLogicalId), twoWay: route.twoWay },
      ),
      ...(api.authorizer
        ? { authorizer: { functionName: nameOf(api.authorizer.functionLogicalId), identitySource: api.authorizer.identitySource } }
        : {}),
      invoker,
      limits: { ...AWS_GATEWAY_LIMITS, ...options.limits },
      httpHandler: async (request: IncomingMessage, response: ServerResponse) =>
        refuseNonLoopbackDevRequest(request, response) ||
        (await devTokens(request, response)) ||
        devEvents(request, response) ||
        (httpApi ? await httpApi.handle(request, response) : false) ||
        devPush(request, response) ||
        (options.httpHandler ? options.httpHandler(request, response) : false),
      ...(iam ? { authorizeManagementCall: managementCallAuthorizer(iam, account, { apiId: api.apiId, stage: api.stageName }) } : {}),
    });
    stops.push(() => gateway.stop());

    const endpoints: LocalEndpoints = {
      dynamodb: dynamoFrontDoor.endpoint,
      sqs: sqsFrontDoor.endpoint,
      secretsManager: secretsManager.endpoint,
      gatewayOrigin: `http://127.0.0.1:${gateway.port}`,
      s3: s3.endpoint,
      eventBridge: eventBridge.endpoint,
      ...(httpApi ? { httpApi: { ...httpApi.api, localUrl: `http://127.0.0.1:${gateway.port}${httpApi.basePath}` } } : {}),
      sns: snsServer.endpoint,
      lambda: lambdaApi.endpoint,
    };
    const runnable = (fn: FunctionSpec): RunnableFunction => ({
      name: fn.name,
      arn: fn.arn,
      modulePath: fn.modulePath,
      handlerExport: fn.handlerExport,
      timeoutMs: fn.timeoutSeconds * 1000,
      memoryMb: fn.memoryMb,
      environment: { ...functionEnvironment(fn, context, api.apiId, endpoints), ...options.functionEnvironment },
    });
    const functions = [...model.functions, ...extraSpecs].map(runnable);
    runtime = new LambdaRuntime(functions, {
      maxConcurrencyPerFunction: options.maxConcurrencyPerFunction ?? 8,
      logSink: (functionName, line) => {
        logs.push({ functionName, line });
        if (logs.length > 20_000) logs.splice(0, logs.length - 10_000);
        options.onFunctionLog?.(functionName, line);
      },
    });
    const lambda = runtime;
    // Stops run in reverse order: the gateway stops first, and the $disconnects it fires for the
    // open connections still find their functions running.
    stops.splice(stops.length - 1, 0, () => lambda.stop());

    if (authorizerFunction) {
      const environment = functions.find((fn) => fn.name === authorizerFunction.name)!.environment;
      if (environment.AUTH_MODE === 'hs256' && environment.JWT_SECRET_ARN) {
        signer = createDevTokenSigner({
          secret: secrets.get(environment.JWT_SECRET_ARN) ?? '',
          issuer: environment.JWT_ISSUER ?? '',
          audience: environment.JWT_AUDIENCE ?? '',
        });
      }
    }

    for (const mapping of model.eventSourceMappings.filter((m) => m.enabled)) {
      const queue = queues.get(mapping.queueLogicalId)!;
      const poller = new SqsEventSourceMapping({
        client: sqsClient,
        queueUrl: queue.url,
        queueArn: queue.arn,
        region: model.region,
        functionName: nameOf(mapping.functionLogicalId),
        invoker,
        batchSize: mapping.batchSize,
        maximumBatchingWindowMs: mapping.maximumBatchingWindowSeconds * 1000,
        reportBatchItemFailures: mapping.reportBatchItemFailures,
        maximumConcurrency: mapping.maximumConcurrency ?? 2,
      });
      poller.start();
      stops.push(() => poller.stop());
    }

    const schedules = startSchedules(
      readSchedules(model.template, context, (arn) => [...model.functions, ...extraSpecs].find((fn) => fn.arn === arn)?.name),
      invoker,
      account,
      { enabled: options.runSchedules ?? true, log: (message) => console.warn(`[events] ${message}`) },
    );
    stops.push(() => schedules.stop());

    const streams = await startStreamMappings({
      model,
      tableStreams,
      resources,
      dynamoDbEndpoint,
      credentials: LOCAL_CREDENTIALS,
      invoker,
      sqsClient,
      queueUrlOf: (logicalId) => queues.get(logicalId)!.url,
      ...(options.dataDir ? { checkpoints: new FileCheckpointStore(path.join(options.dataDir, 'streams', 'checkpoints.json')) } : {}),
    });
    stops.push(() => streams.stop());

    const resolvedDynamoEndpoint = dynamoDbEndpoint;
    const resolvedSqsEndpoint = sqsEndpoint;
    return {
      url: gateway.url,
      httpUrl: `http://127.0.0.1:${gateway.port}`,
      port: gateway.port,
      model,
      dynamoDbEndpoint: resolvedDynamoEndpoint,
      sqsEndpoint: resolvedSqsEndpoint,
      managementEndpoint: gateway.managementEndpoint,
      gateway,
      lambda,
      dynamoFrontDoor,
      sqsFrontDoor,
      s3Endpoint: s3.endpoint,
      s3,
      bucketName(logicalIdPrefix) {
        const bucket = model.buckets.find((b) => b.logicalId.startsWith(logicalIdPrefix));
        if (!bucket) throw new Error(`no bucket whose logical id starts with ${logicalIdPrefix}`);
        return bucket.name;
      },
      iam,
      eventBridgeEndpoint: eventBridge.endpoint,
      events: eventBridge.events,
      httpApi: httpApi ? localHttpApi(httpApi, `http://127.0.0.1:${gateway.port}`) : undefined,
      sns,
      snsEndpoint: snsServer.endpoint,
      lambdaEndpoint: lambdaApi.endpoint,
      lambdaApi,
      schedules,
      streams,
      logs,
      tableName(logicalIdPrefix) {
        const table = model.tables.find((t) => t.logicalId.startsWith(logicalIdPrefix));
        if (!table) throw new Error(`no table whose logical id starts with ${logicalIdPrefix}`);
        return table.name;
      },
      simulateIndexLag(tableLogicalIdPrefix, indexName, lagMs) {
        const table = model.tables.find((t) => t.logicalId.startsWith(tableLogicalIdPrefix));
        if (!table) throw new Error(`no table whose logical id starts with ${tableLogicalIdPrefix}`);
        const interceptor = indexLagInterceptor({
          table,
          indexName,
          lagMs,
          readItem: async (Key) => (await dynamoClient.send(new GetItemCommand({ TableName: table.name, Key, ConsistentRead: true }))).Item,
        });
        dynamoFrontDoor.interceptors.push(interceptor);
        return () => {
          const at = dynamoFrontDoor.interceptors.indexOf(interceptor);
          if (at >= 0) dynamoFrontDoor.interceptors.splice(at, 1);
        };
      },
      async devToken(userId, tokenOptions) {
        if (!signer) throw new Error('dev tokens need the stack in HS256 auth mode');
        return signer.sign(userId, tokenOptions);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A suffix for resource names that no other local cloud on this DynamoDB uses. */
export const uniqueResourceSuffix = (): string => randomBytes(6).toString('hex').toUpperCase();
