import type { EventBridgeRefusal, PutEventsCall } from '../eventbridge/eventbridge-server.js';
import type { CallInspector, FrontDoorRefusal } from '../front-door/dynamodb-front-door.js';
import type { SqsCallInspector, SqsRefusal } from '../front-door/sqs-front-door.js';
import { accessKeyIdOf } from '../function-environment.js';
import type { ManagementCall, ManagementRefusal } from '../gateway/gateway-config.js';
import type { S3Authorizer } from '../s3/s3-server.js';
import type { InvokeCall } from '../http-api/http-api-emulator.js';
import type { LambdaCall, LambdaRefusal } from '../lambda-api/lambda-api-server.js';
import type { SecretsCall, SecretsRefusal } from '../secrets/secrets-manager-server.js';
import type { SnsCallInspector, SnsRefusal } from '../sns/sns-server.js';
import type { CloudModel } from '../template/cloud-model.js';
import type { PhysicalResource } from '../template/intrinsics.js';
import { type AccessChecker, type AccessDenial, denialMessage } from './access-checker.js';
import {
  type Account,
  dynamoDbRequests,
  executeApiInvokeRequest,
  s3Requests,
  manageConnectionsRequest,
  putEventsRequests,
  secretsManagerRequest,
  lambdaInvokeRequest,
  snsRequest,
  sqsRequests,
} from './service-requests.js';

/**
 * Where local IAM meets the local services: each function turns a refused call into the answer
 * that service gives in AWS (status, error type, message), so the function's SDK throws what it
 * would throw there.
 */

/** DynamoDB: HTTP 400 `AccessDeniedException`. */
export function dynamoDbInspector(checker: AccessChecker, account: Account): CallInspector {
  return (call): FrontDoorRefusal | undefined => {
    if (!checker.principalOf(call.accessKeyId)) return undefined;
    const denial = checker.check(call.accessKeyId, dynamoDbRequests(account, call.operation, call.body));
    return denial && { status: 400, type: 'com.amazon.coral.service#AccessDeniedException', message: denialMessage(denial) };
  };
}

/**
 * SQS: HTTP 403; over the JSON protocol `__type` `AccessDeniedException` with the query code
 * `AccessDenied` in `x-amzn-query-error`, which is what the SDK names the error. SQS writes the
 * action in lower case in its message (`sqs:sendmessage`).
 */
export function sqsInspector(checker: AccessChecker, account: Account, queueArnOf: (queueUrl: string) => string | undefined): SqsCallInspector {
  return (call): SqsRefusal | undefined => {
    if (!checker.principalOf(call.accessKeyId)) return undefined;
    const denial = checker.check(call.accessKeyId, sqsRequests(account, call.operation, call.body, queueArnOf));
    return (
      denial && {
        status: 403,
        code: 'AccessDenied',
        type: 'com.amazon.coral.service#AccessDeniedException',
        message: denialMessage(denial, { action: denial.request.action.toLowerCase() }),
      }
    );
  };
}

/**
 * The `@connections` Management API: HTTP 403 with `x-amzn-errortype: AccessDeniedException`.
 * API Gateway's message masks the account id and names the connection `{connectionId}`, and
 * has no "because ..." clause.
 */
export function managementCallAuthorizer(checker: AccessChecker, account: Account, api: { apiId: string; stage: string }): (call: ManagementCall) => ManagementRefusal | undefined {
  return (call) => {
    if (!checker.principalOf(call.accessKeyId)) return undefined;
    const denial = checker.check(call.accessKeyId, manageConnectionsRequest(account, api, call.method, call.connectionId));
    if (!denial) return undefined;
    const masked = `${'*'.repeat(Math.max(0, account.accountId.length - 4))}${account.accountId.slice(-4)}`;
    const shown = `arn:aws:execute-api:${account.region}:${masked}:${api.apiId}/${api.stage}/${call.method.toUpperCase()}/@connections/{connectionId}`;
    return {
      status: 403,
      errorType: 'AccessDeniedException',
      message: `User: ${denial.principal.principalArn} is not authorized to perform: ${denial.request.action} on resource: ${shown}`,
    };
  };
}

/** Secrets Manager: HTTP 400 `AccessDeniedException`; the message names the secret as the caller did. */
export function secretsAuthorizer(checker: AccessChecker, account: Account): (call: SecretsCall) => SecretsRefusal | undefined {
  return (call) => {
    if (!checker.principalOf(call.accessKeyId)) return undefined;
    const denial = checker.check(call.accessKeyId, secretsManagerRequest(account, call.operation, call.secretArn, call.secretId));
    return denial && { status: 400, type: 'AccessDeniedException', message: denialMessage(denial, { resource: call.secretId }) };
  };
}

/**
 * S3: HTTP 403 `AccessDenied`. S3's message quotes the resource (`on resource:
 * "arn:aws:s3:::bucket/key"`). A presigned URL or POST policy is authorized the same way, as
 * its signer, when it is used.
 */
export function s3Authorizer(checker: AccessChecker): S3Authorizer {
  return (call) => {
    if (!checker.principalOf(call.accessKeyId)) return undefined;
    const denial = checker.check(call.accessKeyId, s3Requests(call));
    return denial && denialMessage(denial, { resource: `"${denial.request.resource}"` });
  };
}

/** EventBridge PutEvents: HTTP 400 `AccessDeniedException`, the whole call refused (no entry is put). */
export function eventBridgeAuthorizer(checker: AccessChecker): (call: PutEventsCall) => EventBridgeRefusal | undefined {
  return (call) => {
    if (!checker.principalOf(call.accessKeyId)) return undefined;
    const denial = checker.check(call.accessKeyId, putEventsRequests(call.eventBusArns));
    return denial && { status: 400, type: 'AccessDeniedException', message: denialMessage(denial) };
  };
}

/**
 * A function calling an `AWS_IAM` route of the HTTP API needs `execute-api:Invoke` on the route's
 * ARN; the answer is the message of API Gateway's 403. The company's backend key is not a principal
 * of the stack and is not checked here.
 */
export function httpApiInvokeAuthorizer(checker: AccessChecker, account: Account, api: { apiId: string; stage: string }): (call: InvokeCall) => string | undefined {
  return (call) => {
    if (!checker.principalOf(call.accessKeyId)) return undefined;
    const denial = checker.check(call.accessKeyId, executeApiInvokeRequest(account, api, call.method, call.path));
    return denial && `User: ${denial.principal.principalArn} is not authorized to perform: execute-api:Invoke on resource: ${denial.request.resource}`;
  };
}

/**
 * SNS: HTTP 403 with the query error code `AuthorizationError` (the SDK's
 * `AuthorizationErrorException`); SNS writes the action as `SNS:Publish` in its message.
 */
export function snsInspector(checker: AccessChecker): SnsCallInspector {
  return (call): SnsRefusal | undefined => {
    if (!checker.principalOf(call.accessKeyId)) return undefined;
    const denial = checker.check(call.accessKeyId, snsRequest(call.operation, call.parameters));
    return denial && { status: 403, code: 'AuthorizationError', message: denialMessage(denial, { action: `SNS:${call.operation}` }) };
  };
}

/** Lambda: HTTP 403 `AccessDeniedException`, the message naming the (qualified) function ARN as called. */
export function lambdaAuthorizer(checker: AccessChecker): (call: LambdaCall) => LambdaRefusal | undefined {
  return (call) => {
    if (!checker.principalOf(call.accessKeyId)) return undefined;
    const denial = checker.check(call.accessKeyId, lambdaInvokeRequest(call.resourceArn));
    return denial && { status: 403, errorType: 'AccessDeniedException', message: denialMessage(denial) };
  };
}

/** The permissions Lambda needs on a queue to poll it for a function (checked when the mapping is created). */
export const SQS_POLLING_ACTIONS = ['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes'] as const;

/**
 * CreateEventSourceMapping refuses a mapping whose function's role cannot poll the queue, so a
 * deploy with such a mapping fails. This does the same at start: it throws, naming the mapping,
 * the missing action, the role and the queue.
 */
export function checkEventSourceMappings(checker: AccessChecker, model: CloudModel, resources: ReadonlyMap<string, PhysicalResource>): void {
  for (const mapping of model.eventSourceMappings) {
    const fn = model.functions.find((candidate) => candidate.logicalId === mapping.functionLogicalId);
    const principal = fn ? checker.principalOf(accessKeyIdOf(fn)) : undefined;
    const queueArn = resources.get(mapping.queueLogicalId)?.attributes.Arn;
    if (!principal || !queueArn) continue;
    for (const operation of SQS_POLLING_ACTIONS) {
      const request = { action: `sqs:${operation}`, resource: queueArn };
      if (checker.evaluate(principal.functionLogicalId, request).decision !== 'allow') {
        throw new Error(
          `${mapping.logicalId}: Invalid request provided: The provided execution role does not have permissions to call ${operation} on SQS ` +
            `(role ${principal.roleName} of ${principal.functionLogicalId} needs sqs:${operation} on ${queueArn}; ` +
            'CloudFormation would fail the deploy here, so the local cloud does not start)',
        );
      }
    }
  }
}

/** One line for the local cloud's console when a call is refused. */
export function describeDenial(denial: AccessDenial): string {
  const how = denial.decision === 'explicit-deny' ? 'an explicit Deny applies' : 'no statement of its role allows it';
  return `refused ${denial.request.action} on ${denial.request.resource} to ${denial.principal.functionLogicalId} (role ${denial.principal.roleLogicalId}): ${how}`;
}
