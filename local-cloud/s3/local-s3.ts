import * as path from 'node:path';
import { accessKeyIdOf, FUNCTION_SECRET_ACCESS_KEY } from '../function-environment.js';
import type { AccessChecker } from '../iam/access-checker.js';
import { s3Authorizer } from '../iam/enforcement.js';
import type { CloudModel } from '../template/cloud-model.js';
import { type ResolveContext, resolveValue } from '../template/intrinsics.js';
import { corsRulesOf } from './cors.js';
import { type RunningS3, startS3Server } from './s3-server.js';

export interface LocalS3Options {
  /** Checks the functions' calls against their roles; undefined when IAM is off. */
  iam?: AccessChecker;
  /** Keeps objects in `{dataDir}/s3`. */
  dataDir?: string;
  port?: number;
  /** The local cloud's own key (tests and tools): known to S3, never IAM-checked. */
  adminCredentials: { accessKeyId: string; secretAccessKey: string };
  /** Test-only: S3's clock. */
  now?: () => Date;
}

/**
 * The stack's buckets in the local S3: one per `AWS::S3::Bucket` of the template, under its
 * physical name, with its CORS rules (intrinsics resolved). S3 knows every function's access
 * key with the secret the function signs with, so a function's requests and the URLs it
 * presigns verify, and IAM sees the function as their principal.
 */
export async function startLocalS3(model: CloudModel, context: ResolveContext, options: LocalS3Options): Promise<RunningS3> {
  const credentials = new Map<string, string>([[options.adminCredentials.accessKeyId, options.adminCredentials.secretAccessKey]]);
  for (const fn of model.functions) credentials.set(accessKeyIdOf(fn), FUNCTION_SECRET_ACCESS_KEY);
  const buckets = model.buckets.map((bucket) => {
    const cors = bucket.corsConfiguration === undefined ? undefined : corsRulesOf(resolveValue(bucket.corsConfiguration, context));
    return { name: bucket.name, ...(cors ? { cors } : {}) };
  });
  return startS3Server({
    region: model.region,
    buckets,
    credentials,
    ...(options.iam ? { authorize: s3Authorizer(options.iam) } : {}),
    ...(options.dataDir ? { dataDir: path.join(options.dataDir, 's3') } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
