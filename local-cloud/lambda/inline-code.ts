import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * A function whose code is inline in the template (`Code.ZipFile`, CDK's `Code.fromInline`):
 * Lambda writes it to `index.js` in the function's folder and loads it as CommonJS, so it runs
 * here from `index.js` in a folder of its own whose package.json says so (the project's own
 * package.json says "module", which would change how Node loads it). The folder is named after
 * the code, so restarts reuse it.
 */
export function inlineCodeModule(logicalId: string, code: string, handler: string): string {
  const stem = handler.slice(0, handler.lastIndexOf('.'));
  if (stem !== 'index') throw new Error(`${logicalId}: inline code is saved as index.js, so its handler must be index.<export>, got ${handler}`);
  const folder = path.join(tmpdir(), 'local-cloud-inline-code', createHash('sha256').update(code).digest('hex').slice(0, 20));
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'package.json'), '{"type":"commonjs"}\n');
  const modulePath = path.join(folder, 'index.js');
  writeFileSync(modulePath, code);
  return modulePath;
}
