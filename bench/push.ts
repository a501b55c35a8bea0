/**
 * `npm run bench:push`: the offline push notification part of the benchmark alone (a few
 * minutes): the pipeline's cost per notification and per million messages, by the share of
 * recipients offline. `BENCH_OFFLINE_SHARE=0.4` adds that share to the table. Writes
 * bench/results/push-<date>.{json,md}. `npm run bench` runs the same scenario and reports it too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '../local-cloud/dynamodb/dynamodb-local.js';
import { OFFLINE_SHARES, pushDollars } from './push-cost-model.js';
import { pushMarkdown } from './report/push-section.js';
import { measurePushCosts } from './scenarios/push-costs.js';
import { log, startBenchCloud } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function offlineSharesFromEnv(): number[] {
  const raw = process.env.BENCH_OFFLINE_SHARE;
  if (raw === undefined || raw === '') return OFFLINE_SHARES;
  const extra = raw.split(',').map(Number);
  if (extra.some((share) => !Number.isFinite(share) || share < 0 || share > 1)) throw new Error(`BENCH_OFFLINE_SHARE=${raw}: give shares from 0 to 1, e.g. 0.4 or 0.2,0.6`);
  return [...OFFLINE_SHARES, ...extra];
}

async function main(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  try {
    const bench = await startBenchCloud(dynamo.endpoint, { queueAttributes: { VisibilityTimeout: '30' } });
    try {
      const costs = await measurePushCosts(bench, Number(process.env.BENCH_PUSH_SAMPLES ?? 5));
      const dollars = pushDollars(costs, offlineSharesFromEnv());
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const dir = path.join(ROOT, 'bench', 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `push-${stamp}.json`), JSON.stringify({ costs, dollars }, null, 2));
      const markdown = pushMarkdown(costs, dollars).join('\n');
      writeFileSync(path.join(dir, `push-${stamp}.md`), `# Push notification costs (${stamp})\n\n${markdown}\n`);
      console.log(markdown);
      log(`wrote bench/results/push-${stamp}.{json,md}`);
    } finally {
      await bench.stop();
    }
  } finally {
    await dynamo.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('[bench:push] failed:', error);
      process.exit(1);
    },
  );
}
