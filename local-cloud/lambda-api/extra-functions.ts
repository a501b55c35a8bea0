import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionSpec } from '../template/cloud-model.js';
import { functionArn } from './function-address.js';

/**
 * Functions that are not in the template but that the stack calls by ARN, such as the company's
 * moderation function of issue 17 (`moderationFunctionArn`). The local cloud runs each from a
 * file, in the same worker-thread runtime as the stack's functions, under
 * `arn:aws:lambda:{region}:{account}:function:{name}`, so the stack's handlers reach it through
 * the same Invoke API with their IAM policies checked. Its own AWS calls are not checked (it has
 * no role of the stack), like a function whose role is imported.
 */
export interface ExtraFunction {
  /** Lambda's rules: 1 to 64 letters, digits, hyphens and underscores. */
  name: string;
  /**
   * The handler's module: `.mjs`, `.cjs` or `.js` (loaded as Node loads it; a `.js` file takes the
   * module type of its nearest package.json), or `.ts`/`.mts` (bundled with esbuild first, the AWS
   * SDK left external as the Lambda runtime provides it).
   */
  file: string;
  /** The export to call; default `handler`. */
  handler?: string;
  /** Default 3, Lambda's default. */
  timeoutSeconds?: number;
  /** Default 128. */
  memoryMb?: number;
  /** Its environment variables, on top of Lambda's own. */
  environment?: Record<string, string>;
  /** Reserved concurrency: synchronous calls above it are throttled (TooManyRequestsException). */
  reservedConcurrency?: number;
}

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const BUNDLE_ROOT = fileURLToPath(new URL('../../node_modules/.cache/local-cloud/extra-functions/', import.meta.url));

/** Builds a TypeScript handler into one ES module, as CDK's NodejsFunction would. */
async function bundled(file: string): Promise<string> {
  const outfile = path.join(BUNDLE_ROOT, `${createHash('sha256').update(file).digest('hex').slice(0, 16)}.mjs`);
  mkdirSync(BUNDLE_ROOT, { recursive: true });
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [file],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@aws-sdk/*'],
    sourcemap: 'inline',
    logLevel: 'silent',
    // Bundled CommonJS dependencies may call require(); give the ES module one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  return outfile;
}

/** The extra function as the local cloud runs it: a FunctionSpec without a role of the stack. */
export async function extraFunctionSpec(extra: ExtraFunction, account: { region: string; accountId: string }): Promise<FunctionSpec> {
  if (!FUNCTION_NAME.test(extra.name)) throw new Error(`extra function "${extra.name}": a function name is 1 to 64 letters, digits, hyphens and underscores`);
  const file = path.resolve(extra.file);
  if (!existsSync(file)) throw new Error(`extra function ${extra.name}: ${file} does not exist`);
  const modulePath = /\.m?ts$/.test(file) ? await bundled(file) : file;
  const timeoutSeconds = extra.timeoutSeconds ?? 3;
  if (!(timeoutSeconds >= 1 && timeoutSeconds <= 900)) throw new Error(`extra function ${extra.name}: timeoutSeconds must be between 1 and 900`);
  return {
    logicalId: `ExtraFunction${extra.name.replace(/[^A-Za-z0-9]/g, '')}`,
    name: extra.name,
    arn: functionArn(account.region, account.accountId, extra.name),
    modulePath,
    handlerExport: extra.handler ?? 'handler',
    runtime: 'nodejs22.x',
    timeoutSeconds,
    memoryMb: extra.memoryMb ?? 128,
    environment: extra.environment ?? {},
    ...(extra.reservedConcurrency !== undefined ? { reservedConcurrency: extra.reservedConcurrency } : {}),
  };
}

/**
 * `npm start -- --function NAME=FILE[#EXPORT]` (repeatable) and `LOCAL_CLOUD_FUNCTIONS`
 * (the same entries, comma-separated), e.g. `moderation=examples/moderation/handler.ts#handler`.
 */
export function parseExtraFunctionArguments(entries: readonly string[]): ExtraFunction[] {
  return entries
    .flatMap((entry) => entry.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const match = /^([^=]+)=([^#]+)(?:#(.+))?$/.exec(entry);
      if (!match) throw new Error(`"${entry}" is not NAME=FILE[#EXPORT]`);
      return { name: match[1]!.trim(), file: match[2]!.trim(), ...(match[3] ? { handler: match[3].trim() } : {}) };
    });
}
