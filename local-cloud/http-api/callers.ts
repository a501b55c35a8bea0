import { accessKeyIdOf, FUNCTION_SECRET_ACCESS_KEY } from '../function-environment.js';
import type { CloudModel } from '../template/cloud-model.js';
import type { PhysicalResource } from '../template/intrinsics.js';
import { shortId } from '../template/physical-resources.js';
import type { IamCallerIdentity } from './proxy-event-v2.js';

/**
 * Who may sign requests to the local HTTP API, and who they are to IAM: the company's backend
 * (access key id `local`, secret `local`, an IAM user of the account), and the stack's functions
 * with their own keys (a session of their execution role, as on Lambda).
 */

export const BACKEND_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface ApiCaller {
  secretAccessKey: string;
  identity: IamCallerIdentity;
}

export function apiCallers(model: CloudModel, resources: ReadonlyMap<string, PhysicalResource>): Map<string, ApiCaller> {
  const callers = new Map<string, ApiCaller>();
  const backendUserId = `AIDA${shortId(`${model.accountId}/user/local`, 17).toUpperCase()}`;
  callers.set(BACKEND_CREDENTIALS.accessKeyId, {
    secretAccessKey: BACKEND_CREDENTIALS.secretAccessKey,
    identity: {
      accessKey: BACKEND_CREDENTIALS.accessKeyId,
      accountId: model.accountId,
      callerId: backendUserId,
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: `arn:aws:iam::${model.accountId}:user/local`,
      userId: backendUserId,
    },
  });
  for (const fn of model.functions) {
    const role = fn.roleLogicalId ? resources.get(fn.roleLogicalId) : undefined;
    const roleName = role?.ref ?? `${fn.name}-role`;
    const roleId = role?.attributes.RoleId ?? `AROA${shortId(roleName, 17).toUpperCase()}`;
    const accessKeyId = accessKeyIdOf(fn);
    callers.set(accessKeyId, {
      secretAccessKey: FUNCTION_SECRET_ACCESS_KEY,
      identity: {
        accessKey: accessKeyId,
        accountId: model.accountId,
        callerId: `${roleId}:${fn.name}`,
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: `arn:aws:sts::${model.accountId}:assumed-role/${roleName}/${fn.name}`,
        userId: `${roleId}:${fn.name}`,
      },
    });
  }
  return callers;
}
