import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { LOCAL_CREDENTIALS, type LocalCloud } from '../../../local-cloud/local-cloud.js';
import { startTestCloud } from '../../support/test-cloud.js';
import type { FixtureEvent, FixtureResult } from './fixture-handler.js';
import { synthS3FixtureStack } from './fixture-stack.js';

export type FixtureFunction = 'Uploader' | 'PutOnly' | 'ReaderNoList';

/** The S3 fixture stack running in a local cloud, and ways to act as its functions or as an admin. */
export interface S3FixtureCloud {
  cloud: LocalCloud;
  bucket: string;
  /** Invokes `Uploader` or `PutOnly` (logical id prefix) with an event of `fixture-handler.ts`. */
  invoke(functionPrefix: FixtureFunction, event: FixtureEvent): Promise<FixtureResult>;
  /** Like `invoke`, for a call that must succeed: its value. */
  value<T>(functionPrefix: FixtureFunction, event: FixtureEvent): Promise<T>;
  /** An SDK client with the local cloud's own key (never IAM-checked), for looking at what S3 holds. */
  admin: S3Client;
  stop(): Promise<void>;
}

export async function startS3FixtureCloud(): Promise<S3FixtureCloud> {
  const fixture = await synthS3FixtureStack();
  const cloud = await startTestCloud({ templatePath: fixture.templatePath });
  const functionName = (prefix: string): string => cloud.model.functions.find((fn) => fn.logicalId.startsWith(prefix))!.name;
  const invoke = async (prefix: FixtureFunction, event: FixtureEvent): Promise<FixtureResult> =>
    (await cloud.lambda.invoke(functionName(prefix), event)) as FixtureResult;
  const admin = new S3Client({ endpoint: cloud.s3Endpoint, region: cloud.model.region, credentials: LOCAL_CREDENTIALS });
  return {
    cloud,
    bucket: cloud.bucketName('Attachments'),
    invoke,
    async value<T>(prefix: FixtureFunction, event: FixtureEvent): Promise<T> {
      const result = await invoke(prefix, event);
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
      return (result as { value: T }).value;
    },
    admin,
    async stop() {
      admin.destroy();
      await cloud.stop();
      rmSync(fixture.outdir, { recursive: true, force: true });
    },
  };
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Reads S3's XML error answer: its code and message. */
export async function s3ErrorOf(response: Response): Promise<{ status: number; code: string | undefined; message: string | undefined; body: string }> {
  const body = await response.text();
  return {
    status: response.status,
    code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1],
    message: /<Message>([^<]*)<\/Message>/.exec(body)?.[1]?.replace(/&quot;/g, '"').replace(/&apos;/g, "'"),
    body,
  };
}
