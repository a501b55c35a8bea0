// Builds the web chat page: bundles web/src/main.ts (and the client SDK it imports) with esbuild
// into one app.js, and copies index.html and app.css next to it. Output: web/dist/ (git-ignored)
// or the folder given with --out. `npm start` runs it before the local cloud starts; the browser
// tests call buildWeb() with a folder of their own.
import { copyFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_DIST = path.join(root, 'web', 'dist');

/** @param {{ outDir?: string, minify?: boolean }} [options] @returns {Promise<string>} the output folder */
export async function buildWeb(options = {}) {
  const outDir = path.resolve(options.outDir ?? WEB_DIST);
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(root, 'web', 'src', 'main.ts')],
    outfile: path.join(outDir, 'app.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: options.minify ?? true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  await copyFile(path.join(root, 'web', 'index.html'), path.join(outDir, 'index.html'));
  await copyFile(path.join(root, 'web', 'app.css'), path.join(outDir, 'app.css'));
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outIndex = process.argv.indexOf('--out');
  const outDir = await buildWeb(outIndex > 0 ? { outDir: process.argv[outIndex + 1] } : {});
  console.log(`web chat built into ${path.relative(process.cwd(), outDir) || '.'}`);
}
