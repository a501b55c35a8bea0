/**
 * Re-renders the Markdown report and charts of a finished run from its JSON, e.g. after the
 * report's wording changed: `npx tsx bench/report/render.ts bench/results/<stamp>.json`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BASELINE_ASSUMPTIONS, baselineMessage } from '../baseline-scan-broadcast.js';
import type { BenchResult } from '../result.js';
import { writeReport } from './markdown.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: tsx bench/report/render.ts bench/results/<stamp>.json');
  process.exit(1);
}
const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
// The baseline is a cost model: recompute it with the current model and the run's measured scans.
result.baseline.assumptions = BASELINE_ASSUMPTIONS;
result.baseline.points = result.baseline.points.map((point) => baselineMessage(point.users, result.baseline.measuredScanRru[point.users]));
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
for (const written of writeReport(path.dirname(path.resolve(file)), result)) console.log(written);
