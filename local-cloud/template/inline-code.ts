import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Lambda saves a function's inline code (`Code.ZipFile`) as `index.js` and runs it as CommonJS,
 * with the AWS SDK v3 provided by the Node.js runtime. Locally the code is written under the
 * project's `node_modules/.cache`, so `require('@aws-sdk/...')` finds the project's SDK the way it
 * finds the runtime's on Lambda, and a `package.json` of its own keeps it CommonJS (the project
 * itself is an ES module package).
 */
const INLINE_CODE_ROOT = fileURLToPath(new URL('../../node_modules/.cache/local-cloud/inline-code/', import.meta.url));

/** The module file holding a function's inline code; the same code always gets the same file. */
export function inlineCodeModule(code: string, fileStem: string): string {
  const folder = path.join(INLINE_CODE_ROOT, createHash('sha256').update(code).digest('hex').slice(0, 16));
  const modulePath = path.join(folder, `${fileStem}.js`);
  if (!existsSync(modulePath)) {
    mkdirSync(folder, { recursive: true });
    // Several local clouds (test workers) may write the same code at once: each writes a file of
    // its own and renames it into place, so no one ever loads a half-written module.
    const writeAtomically = (file: string, text: string): void => {
      const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
      writeFileSync(temporary, text);
      renameSync(temporary, file);
    };
    writeAtomically(path.join(folder, 'package.json'), '{"type":"commonjs"}\n');
    writeAtomically(modulePath, code);
  }
  return modulePath;
}
