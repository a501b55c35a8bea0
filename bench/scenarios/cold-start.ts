import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { SDK_FROM_RUNTIME } from '../../lib/constructs/handler-function.js';
import { log, round } from '../support.js';

export interface HandlerColdStart {
  logicalId: string;
  handler: string;
  memoryMb: number;
  /** The deployed bundle (cdk.out asset, the AWS SDK bundled inside). */
  deployedBytes: number;
  /** Median module initialization of the deployed bundle. */
  deployedInitMs: number;
  /** For comparison: the same handler with the AWS SDK left to the runtime (loaded from node_modules, as the runtime would). */
  runtimeSdkBytes: number;
  runtimeSdkInitMs: number;
}

interface TemplateFunction {
  logicalId: string;
  assetPath: string;
  memoryMb: number;
  environment: Record<string, string>;
  description: string;
}

function templateFunctions(templatePath: string): TemplateFunction[] {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, any> };
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Metadata?.['aws:asset:path'])
    .map(([logicalId, resource]) => {
      const environment: Record<string, string> = {};
      for (const [key, value] of Object.entries<unknown>(resource.Properties?.Environment?.Variables ?? {})) {
        // Intrinsics (table names, ARNs) become placeholders: init only needs them to be set.
        environment[key] = withPlaceholders(value, `placeholder-${key.toLowerCase()}`);
      }
      return { logicalId, assetPath: String(resource.Metadata['aws:asset:path']), memoryMb: Number(resource.Properties?.MemorySize ?? 128), environment, description: String(resource.Properties?.Description ?? '') };
    });
}

/**
 * An environment value with its intrinsics replaced by a placeholder. `Fn::Join` keeps its literal
 * parts, so a value built as JSON around ARNs (PUSH_APPLICATIONS) stays JSON a handler can parse.
 */
function withPlaceholders(value: unknown, placeholder: string): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (join) return join[1].map((part) => withPlaceholders(part, placeholder)).join(join[0]);
  return placeholder;
}

/** Finds which functions/handlers/*.ts a deployed bundle was built from, by the source map's sources. */
function handlerOf(assetDir: string, handlers: string[]): string {
  try {
    const map = JSON.parse(readFileSync(path.join(assetDir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
    const found = map.sources.map((s) => /functions\/handlers\/([^/]+)\.ts$/.exec(s)?.[1]).find((h) => h && handlers.includes(h));
    if (found) return found;
  } catch {
    /* no source map */
  }
  return 'unknown';
}

/** Imports a module in a fresh node process and returns the import time in ms. */
function initTime(modulePath: string, environment: Record<string, string>): number {
  const script = `const t=performance.now();try{await import(${JSON.stringify(modulePath)});}catch(e){console.error(String(e).slice(0,300));process.exit(3)}console.log(JSON.stringify({ms:performance.now()-t}));process.exit(0)`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'bench', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', ...environment },
    cwd: path.dirname(modulePath),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return (JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number }).ms;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Import time of the AWS SDK packages the handlers use, alone, in fresh processes (median). */
export function measureSdkOnlyInit(root: string, runs = 5): number {
  const dir = path.join(root, 'node_modules', '.cache', 'bench-with-sdk');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'sdk-only.mjs');
  writeFileSync(
    file,
    ['client-dynamodb', 'lib-dynamodb', 'client-apigatewaymanagementapi', 'client-sqs'].map((name) => `import '@aws-sdk/${name}';`).join('\n') + '\n',
  );
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push(initTime(file, {}));
  const result = round(median(times), 1);
  log(`cold start reference: importing the AWS SDK clients alone takes ${result} ms`);
  return result;
}

export async function measureColdStarts(root: string, runs = 5): Promise<HandlerColdStart[]> {
  const templatePath = path.join(root, 'cdk.out', 'ServerlessIm.template.json');
  const handlersDir = path.join(root, 'functions', 'handlers');
  const handlers = (await import('node:fs')).readdirSync(handlersDir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
  // Bundles that load the SDK from node_modules live under the project's tree so that it resolves.
  const outDir = path.join(root, 'node_modules', '.cache', 'bench-runtime-sdk');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const results: HandlerColdStart[] = [];
  for (const fn of templateFunctions(templatePath)) {
    const assetDir = path.join(root, 'cdk.out', fn.assetPath);
    const deployed = path.join(assetDir, 'index.mjs');
    const handler = handlerOf(assetDir, handlers);
    // CDK's own provider functions (the bucket's auto-delete on stack removal) are not handlers of ours.
    if (handler === 'unknown') continue;
    const runtimeSdk = path.join(outDir, `${handler}-${fn.logicalId}.mjs`);
    // The same options as lib/constructs/handler-function.ts, with the SDK left to the runtime.
    await build({
      external: SDK_FROM_RUNTIME,
      entryPoints: [path.join(handlersDir, `${handler}.ts`)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      sourcemap: false,
      mainFields: ['module', 'main'],
      outfile: runtimeSdk,
      logLevel: 'silent',
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    });
    const deployedRuns: number[] = [];
    const sdkRuns: number[] = [];
    for (let run = 0; run < runs; run++) {
      deployedRuns.push(initTime(deployed, fn.environment));
      sdkRuns.push(initTime(runtimeSdk, fn.environment));
    }
    const result: HandlerColdStart = {
      logicalId: fn.logicalId.replace(/[0-9A-F]{8}$/, ''),
      handler,
      memoryMb: fn.memoryMb,
      deployedBytes: statSync(deployed).size,
      deployedInitMs: round(median(deployedRuns), 1),
      runtimeSdkBytes: statSync(runtimeSdk).size,
      runtimeSdkInitMs: round(median(sdkRuns), 1),
    };
    log(`cold start ${result.handler}: ${(result.deployedBytes / 1024).toFixed(0)} KB ${result.deployedInitMs} ms; SDK from the runtime ${(result.runtimeSdkBytes / 1024).toFixed(0)} KB ${result.runtimeSdkInitMs} ms`);
    results.push(result);
  }
  writeFileSync(path.join(outDir, 'README.txt'), 'Scratch bundles of npm run bench (handlers that load the AWS SDK from node_modules). Safe to delete.\n');
  return results;
}

export const tmp = tmpdir;
