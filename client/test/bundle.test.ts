import * as path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

describe('the SDK bundle', () => {
  it('carries no schema library: only types and tiny runtime pieces of the protocol package', async () => {
    // Prepare + Act: bundle the SDK the way an app would (esbuild --bundle --minify).
    const result = await build({
      entryPoints: [path.join(root, 'client', 'src', 'index.ts')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'neutral',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    // Assess
    // What ended up in the bundle (esbuild reads the protocol's schema modules, then shakes them out).
    const inputs = Object.values(result.metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([file]) => file),
    );
    expect(inputs.filter((input) => input.includes('node_modules'))).toEqual([]);
    expect(inputs.filter((input) => input.startsWith('protocol/')).sort()).toEqual(['protocol/src/attachments.ts', 'protocol/src/errors.ts', 'protocol/src/heartbeat.ts', 'protocol/src/identifiers.ts', 'protocol/src/reports.ts']);
    const bytes = result.outputFiles[0]!.contents.byteLength;
    console.log(`SDK bundle: ${bytes} bytes minified`);
    // A generous bound that only an accidental big import (a schema library, a polyfill) crosses;
    // the SDK itself is about 64 KB with attachments, push and message changes.
    expect(bytes).toBeLessThan(90_000);
  });
});
