import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Functions whose code is inline in the template (`Code.ZipFile`, CDK's `Code.fromInline`).
 * CloudFormation writes such code to `index.js`, a CommonJS module, and Lambda's Node.js
 * runtime provides the AWS SDK for JavaScript v3 to it. Locally the file goes under the
 * project's `node_modules/.cache/`, next to a `package.json` that says `commonjs` (the project
 * itself is an ES module package), so that `require('@aws-sdk/client-...')` finds the SDK the
 * way the runtime's copy is found on AWS.
 */
const INLINE_ROOT = fileURLToPath(new URL('../../node_modules/.cache/local-cloud/inline/', import.meta.url));

/** The module path of an inline function's code, written once per distinct source. */
export function inlineModule(source: string): string {
  const folder = path.join(INLINE_ROOT, createHash('sha256').update(source).digest('hex').slice(0, 24));
  const modulePath = path.join(folder, 'index.js');
  if (!existsSync(modulePath)) {
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'package.json'), '{"type":"commonjs"}\n');
    writeFileSync(modulePath, source);
  }
  return modulePath;
}
