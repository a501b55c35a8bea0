import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { configFromContext } from '../lib/config.js';
import { ImStack } from '../lib/im-stack.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CDK_OUT = path.join(ROOT, 'cdk.out');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'local-cloud', 'product-templates');
const STACK = 'ServerlessIm';

type Template = { Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }> };

/**
 * The product stack synthesized with extra CDK context (`-c moderationFunctionArn=...` and the
 * like), for `npm start -- -c KEY=VALUE` and tests that need another deployment's settings. The
 * synth runs in-process without bundling (settings change the template, never the functions'
 * code), and each resource's code comes from the bundles `npm run synth` put in cdk.out, found by
 * its logical id, so the functions run exactly what the default template runs. Cached per context
 * and cdk.out template: a second call with the same settings costs nothing.
 */
export function productTemplateWithContext(context: Record<string, string>): { templatePath: string; assetsDir: string } {
  const defaultPath = path.join(CDK_OUT, `${STACK}.template.json`);
  if (!existsSync(defaultPath)) throw new Error(`${defaultPath} is missing: run "npm run synth" first`);
  const defaults = readFileSync(defaultPath, 'utf8');
  const key = createHash('sha256').update(defaults).update(JSON.stringify(Object.entries(context).sort())).digest('hex').slice(0, 24);
  // The local cloud names the stack after the template's file: keep it ServerlessIm.
  const templatePath = path.join(CACHE, key, `${STACK}.template.json`);
  if (existsSync(templatePath)) return { templatePath, assetsDir: CDK_OUT };

  const outdir = mkdtempSync(path.join(tmpdir(), 'product-template-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-asset-metadata': true, ...context } });
    new ImStack(app, STACK, { config: configFromContext(app) });
    app.synth();
    const template = JSON.parse(readFileSync(path.join(outdir, `${STACK}.template.json`), 'utf8')) as Template;
    const bundled = (JSON.parse(defaults) as Template).Resources;
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Metadata?.['aws:asset:path'] === undefined) continue;
      const asset = bundled[logicalId]?.Metadata?.['aws:asset:path'];
      if (asset === undefined) throw new Error(`${logicalId} has code but no bundle in cdk.out: run "npm run synth" first`);
      resource.Metadata['aws:asset:path'] = asset;
    }
    mkdirSync(path.dirname(templatePath), { recursive: true });
    // Written whole, then renamed: a concurrent caller never reads half a template.
    const partial = `${templatePath}.${process.pid}.partial`;
    writeFileSync(partial, JSON.stringify(template));
    renameSync(partial, templatePath);
    return { templatePath, assetsDir: CDK_OUT };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
