import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATE } from '../../local-cloud/template/read-template.js';

/** An import of an `@aws-sdk/*` module at run time (not the SDK's own error texts that name one in brackets). */
const SDK_IMPORT = /(?<!\[)(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)"(@aws-sdk\/[^"]*)"/g;

describe('function bundles (cdk.out, as deployed)', () => {
  const template = JSON.parse(readFileSync(DEFAULT_TEMPLATE, 'utf8')) as { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };
  const bundles = Object.entries(template.Resources)
    .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:asset:path'] && !id.startsWith('CustomS3AutoDeleteObjects'))
    .map(([id, r]) => ({ id, file: path.join(path.dirname(DEFAULT_TEMPLATE), r.Metadata!['aws:asset:path']!, 'index.mjs') }));

  it('bundles the AWS SDK into every function: nothing is loaded from the runtime’s node_modules (init time, and the SDK version the tests ran)', () => {
    expect(bundles.length).toBeGreaterThan(20);
    for (const { id, file } of bundles) {
      expect(existsSync(file), file).toBe(true);
      const imports = [...readFileSync(file, 'utf8').matchAll(SDK_IMPORT)].map((m) => m[1]);
      expect(imports, id).toEqual([]);
    }
  });
});
