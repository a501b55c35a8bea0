import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { DEFAULT_MODERATION_ASSUMPTIONS, moderationDollarsPerMessage } from '../moderation-cost-model.js';
import * as path from 'node:path';
import { type Dollars, dollarsOf } from '../cost-model.js';
import type { BenchResult } from '../result.js';
import type { OperationCost } from '../scenarios/measure.js';
import { V1_PING_INTERVAL_MINUTES } from '../cost-model.js';
import { barChart, lineChart } from './svg.js';
import { lifecycleMarkdown } from './lifecycle-section.js';
import { serverApiMarkdown } from './server-api-section.js';
import { pushMarkdown } from './push-section.js';

const usd = (value: number): string => {
  if (value === 0) return '$0';
  if (value >= 100) return `$${value.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
  if (value >= 1) return `$${value.toFixed(2)}`;
  return `$${value.toPrecision(3)}`;
};
const n = (value: number, digits = 2): string => (Number.isInteger(value) ? value.toLocaleString('en-US') : Number(value.toFixed(digits)).toLocaleString('en-US'));
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const row = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
const table = (head: string[], rows: (string | number)[][]): string => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

/** Writes `<stamp>.json`, `<stamp>.md`, `<stamp>-*.svg` and `latest.md`; returns the files. */
export function writeReport(dir: string, result: BenchResult): string[] {
  mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/:/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  const files: string[] = [];
  const write = (name: string, content: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    files.push(file);
    return name;
  };
  write(`${stamp}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const charts = writeCharts(result, stamp, write);
  const md = write(`${stamp}.md`, renderMarkdown(result, charts, stamp));
  copyFileSync(path.join(dir, md), path.join(dir, 'latest.md'));
  files.push(path.join(dir, 'latest.md'));
  return files;
}

interface Charts {
  units: string;
  dollars: string;
  baseline: string;
  monthly: string;
  latency: string;
  bundles: string;
  init: string;
}

function scenarios(result: BenchResult): { label: string; cost: OperationCost; dollars: Dollars }[] {
  return [
    { label: 'direct', cost: result.costs.direct, dollars: result.dollars.direct },
    ...result.costs.groups.map((g, i) => ({ label: `group ${n(g.members)}`, cost: g as OperationCost, dollars: result.dollars.groups[i]!.perMessage })),
  ];
}

function writeCharts(result: BenchResult, stamp: string, write: (name: string, content: string) => string): Charts {
  const all = scenarios(result);
  const units = write(
    `${stamp}-dynamodb-units.svg`,
    barChart({
      title: 'DynamoDB request units per message (owner + 3 members online)',
      categories: all.map((s) => s.label),
      series: [
        { name: 'WRU measured (incl. GSI)', values: all.map((s) => s.cost.dynamo.measuredWrite) },
        { name: 'RRU billed', values: all.map((s) => s.cost.dynamo.billedRead) },
      ],
      yLabel: 'request units per message',
    }),
  );
  const dollars = write(
    `${stamp}-cost-per-million.svg`,
    barChart({
      title: 'Cost per million messages (owner + 3 members online), us-east-1',
      categories: all.map((s) => s.label),
      stacked: true,
      series: [
        { name: 'DynamoDB', values: all.map((s) => s.dollars.dynamoDb * 1e6) },
        { name: 'Lambda', values: all.map((s) => s.dollars.lambda * 1e6) },
        { name: 'SQS', values: all.map((s) => s.dollars.sqs * 1e6) },
        { name: 'API Gateway', values: all.map((s) => s.dollars.apiGateway * 1e6) },
      ],
      yLabel: 'USD per million messages',
    }),
  );
  const baseline = write(
    `${stamp}-baseline-vs-users.svg`,
    lineChart({
      title: 'Cost of one message vs. users in the room (everyone online)',
      xLabel: 'users (connections) in the conversation / room',
      yLabel: 'USD per message',
      logX: true,
      logY: true,
      series: [
        { name: 'baseline: scan + post to all (sample design)', points: result.baseline.points.map((p) => ({ x: p.users, y: p.dollars.total })) },
        { name: 'this stack: group message', points: result.baseline.ours.map((o) => ({ x: o.users, y: o.perMessage })) },
        {
          name: 'this stack: direct message',
          dashed: true,
          points: result.baseline.points.map((p) => ({ x: p.users, y: result.dollars.direct.total })),
        },
      ],
    }),
  );
  const monthly = write(
    `${stamp}-monthly.svg`,
    barChart({
      title: 'A month, by users (always connected, 40 messages/user/day, 30% to groups of 10)',
      categories: result.dollars.monthly.map((m) => m.profile.name),
      series: [
        { name: 'this stack on AWS', values: result.dollars.monthly.map((m) => m.aws.total) },
        { name: 'Ably list prices (assumption)', values: result.dollars.monthly.map((m) => m.ably.total) },
      ],
      yLabel: 'USD per month',
    }),
  );
  const reach = result.groupReach;
  const latency = write(
    `${stamp}-latency.svg`,
    barChart({
      title: `Send-to-push latency on the local cloud (${result.latency.connectedClients} clients connected)`,
      categories: [...result.latency.phases.map((p) => `direct, ${p.label} (${p.messagesPerSecond}/s)`), ...reach.map((r) => `last of ${n(r.onlineMembers)} online, ${n(r.members)}-group`)],
      series: [
        { name: 'p50', values: [...result.latency.phases.map((p) => p.sendToPushMs.p50), ...reach.map((r) => Math.min(...r.timeToLastMs))] },
        { name: 'p95', values: [...result.latency.phases.map((p) => p.sendToPushMs.p95), ...reach.map((r) => r.medianTimeToLastMs)] },
        { name: 'p99 (groups: max)', values: [...result.latency.phases.map((p) => p.sendToPushMs.p99), ...reach.map((r) => Math.max(...r.timeToLastMs))] },
      ],
      yLabel: 'milliseconds',
      width: 860,
    }),
  );
  const bundles = write(
    `${stamp}-bundle-sizes.svg`,
    barChart({
      title: 'Handler bundle size, minified',
      categories: result.coldStarts.map((c) => c.handler),
      series: [
        { name: 'deployed (SDK from the runtime)', values: result.coldStarts.map((c) => c.deployedBytes / 1024) },
        { name: 'SDK from the runtime', values: result.coldStarts.map((c) => c.runtimeSdkBytes / 1024) },
      ],
      lines: [{ value: 1024, label: 'target 1 MB' }],
      yLabel: 'KB',
      width: 980,
    }),
  );
  const init = write(
    `${stamp}-init-time.svg`,
    barChart({
      title: 'Module initialization, median of fresh node processes',
      categories: result.coldStarts.map((c) => c.handler),
      series: [
        { name: 'deployed (SDK bundled)', values: result.coldStarts.map((c) => c.deployedInitMs) },
        { name: 'SDK from the runtime', values: result.coldStarts.map((c) => c.runtimeSdkInitMs) },
      ],
      lines: [{ value: 100, label: 'target 100 ms' }],
      yLabel: 'ms',
      width: 980,
    }),
  );
  return { units, dollars, baseline, monthly, latency, bundles, init };
}

function renderMarkdown(result: BenchResult, charts: Charts, stamp: string): string {
  const c = result.costs;
  const out: string[] = [];
  out.push(`# Benchmark: costs and behaviour as it grows (${stamp})`);
  out.push('');
  out.push(
    `Run by \`npm run bench\` on ${result.machine.platform}, ${result.machine.cpus} × ${result.machine.cpuModel || 'CPU'}, ${result.machine.memoryGb} GB, Node ${result.machine.node}; ${result.durationSeconds} s.` +
      `${result.quick ? ' **Quick run (BENCH_QUICK=1): small sizes, not representative.**' : ''} Raw data: [\`${stamp}.json\`](${stamp}.json). ` +
      `Prices: \`bench/prices.ts\`, ${result.prices.region}, as of ${result.prices.asOf} (list prices, not re-checked online at run time).`,
  );
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(table(['', 'Target', 'Measured', ''], result.targets.map((t) => [t.name, t.target, t.measured, t.pass ? '✅ met' : '❌ missed'])));
  out.push('');
  const missed = result.targets.filter((t) => !t.pass);
  if (missed.length > 0) {
    out.push('**Misses, explained:**');
    out.push('');
    for (const t of missed) out.push(`- *${t.name}*: ${explainMiss(t.name, result)}`);
    out.push('');
  }

  out.push('## Billable operations per message');
  out.push('');
  out.push(`![DynamoDB units per message](${charts.units})`);
  out.push('');
  const scen = scenarios(result);
  out.push(
    table(
      ['Scenario', 'Fan-out', 'Samples', 'WRU measured (incl. GSI)', 'of which GSI (derived)', 'RRU measured', 'RRU billed', 'Lambda inv.', 'SQS req. (priced)', 'WS in', 'WS out', 'Mgmt API calls', 'WRU / recipient (fan-out workers)', 'WRU / recipient (all-in)'],
      scen.map((s, i) => {
        const g = i === 0 ? undefined : c.groups[i - 1]!;
        const recipients = g ? g.recipients : 1;
        return [
          s.label + (g ? ` (${g.onlineMembers} online)` : ''),
          g ? g.fanOut : 'direct',
          s.cost.samples,
          n(s.cost.dynamo.measuredWrite),
          n(s.cost.dynamo.indexWrite),
          n(s.cost.dynamo.measuredRead),
          n(s.cost.dynamo.billedRead),
          n(s.cost.lambdaInvocations),
          n(s.cost.sqsBilled.total),
          n(s.cost.wsIn),
          n(s.cost.wsOut),
          n(s.cost.managementCalls),
          g ? n(workerWrites(g) / recipients, 3) : '–',
          n(s.cost.dynamo.measuredWrite / recipients, 3),
        ];
      }),
    ),
  );
  out.push('');
  out.push('Per recipient and the details (Lambda invocations by function, SQS calls by operation):');
  out.push('');
  out.push(
    table(
      ['Scenario', 'Lambda by function', 'SQS measured (raw)', 'SQS priced: send / receive / delete', 'Local Lambda ms per invocation'],
      scen.map((s) => [
        s.label,
        Object.entries(s.cost.lambda).map(([k, v]) => `${k} ${n(v)}`).join(', '),
        Object.entries(s.cost.sqsMeasured).map(([k, v]) => `${k} ${n(v)}`).join(', ') || '–',
        `${n(s.cost.sqsBilled.sendMessageBatch)} / ${n(s.cost.sqsBilled.receiveMessage)} / ${n(s.cost.sqsBilled.deleteMessageBatch)}`,
        Object.entries(s.cost.lambdaMedianMsByFunction).map(([k, v]) => `${k} ${v}`).join(', '),
      ]),
    ),
  );
  out.push('');
  out.push('### Where a direct message\'s units go (measured, per call)');
  out.push('');
  out.push(
    table(
      ['Operation and table', 'Calls', 'WRU', 'RRU (measured)'],
      Object.entries(c.direct.dynamo.byOperation).map(([k, v]) => [k, n(v.calls), n(v.write), n(v.read)]),
    ),
  );
  out.push('');
  out.push(
    `Total ${n(c.direct.dynamo.measuredWrite)} WRU and ${n(c.direct.dynamo.measuredRead)} RRU as DynamoDB Local reports them; ` +
      `${n(c.direct.dynamo.zeroReads)} read(s) came back empty and were reported as 0 RRU (AWS bills 0.5), so ${n(c.direct.dynamo.billedRead)} RRU billed. ` +
      `${n(c.direct.dynamo.indexWrite)} of the write units are GSI writes. The first message of a conversation also lists it for both users (Memberships ×2 + the head's \`listed\`): ` +
      `${n(c.directFirstMessage.dynamo.measuredWrite)} WRU and ${n(c.directFirstMessage.dynamo.billedRead)} RRU that one time. ` +
      `Compare with the breakdown in docs/data-model.md (7 WRU, 1.5 RRU).`,
  );
  out.push('');
  const breakdowns: { title: string; cost: OperationCost; per: number }[] = [];
  const writeGroup = c.groups.filter((g) => g.fanOut === 'write').at(-1);
  if (writeGroup) breakdowns.push({ title: `a message to the ${n(writeGroup.members)}-member group (write fan-out), per recipient`, cost: writeGroup, per: writeGroup.recipients });
  const readGroup = c.groups.filter((g) => g.fanOut === 'read').at(-1);
  if (readGroup) breakdowns.push({ title: `a message to the ${n(readGroup.members)}-member group (read fan-out), per message`, cost: readGroup, per: 1 });
  for (const b of breakdowns) {
    out.push(`### Where ${b.title}`);
    out.push('');
    out.push(
      table(
        ['Operation and table', 'Calls', 'WRU', 'RRU (measured)'],
        Object.entries(b.cost.dynamo.byOperation).map(([k, v]) => [k, n(v.calls / b.per, 3), n(v.write / b.per, 3), n(v.read / b.per, 3)]),
      ),
    );
    out.push('');
  }
  out.push(
    'A write that fails its condition (e.g. `UpdateItem (condition failed)`) is billed by AWS like a successful one; the front door records it as 1 WRU. ' +
      'In write fan-out each recipient costs a seq allocation and a timeline item (2 WRU) plus a device lookup (0.5 RRU, billed even when the recipient has no connection); each job (the recipients of one of 10 partitions) adds its fan-out claim, 1 WRU per ~25 recipients, and its consistent read (1 RRU).',
  );
  out.push('');
  out.push('### Connection lifecycle (per event)');
  out.push('');
  out.push(
    table(
      ['Event', 'WRU measured (incl. GSI)', 'of which GSI (derived)', 'RRU billed', 'Lambda inv.', 'WS in', 'WS out'],
      [c.ping, c.heartbeat, c.keepAlive, c.connect, c.disconnect].map((x) => [x.label, n(x.dynamo.measuredWrite), n(x.dynamo.indexWrite), n(x.dynamo.billedRead), n(x.lambdaInvocations), n(x.wsIn), n(x.wsOut)]),
    ),
  );
  out.push('');

  if (result.attachment) {
    const a = result.attachment;
    const ws = a.websocketDollars;
    const requests = a.dollars.s3Put + a.dollars.s3Get;
    out.push('## Attachment messages');
    out.push('');
    out.push(
      `A ${n(a.bytes / 1024 / 1024, 1)} MB photo sent in a direct chat and downloaded once, measured end to end (attachmentUpload, PUT to the presigned URL, send, attachmentDownload, GET): the bytes never pass through a WebSocket frame or a Lambda.`,
    );
    out.push('');
    out.push(
      table(
        ['Part', 'Per message', 'Per million messages'],
        [
          [`WebSocket side: ${n(a.cost.lambdaInvocations)} Lambda invocations, ${n(a.cost.dynamo.billedWrite)} WRU, ${n(a.cost.dynamo.billedRead)} RRU, ${n(a.cost.wsIn + a.cost.wsOut)} frames`, usd(ws.total), usd(ws.total * 1e6)],
          [`S3 requests: ${Object.entries(a.s3Requests).map(([op, count]) => `${op} ${n(count)}`).join(', ')}`, usd(requests), usd(requests * 1e6)],
          ['Text message, for comparison', usd(result.dollars.direct.total), usd(result.dollars.directPerMillion)],
        ],
      ),
    );
    out.push('');
    out.push(
      `Storage: ${usd(a.dollars.storagePerGbMonth)} per month for this file (S3 Standard at ${usd(result.prices.aws.s3.perGbMonth)} per GB-month), kept as long as its message; an upload never sent is deleted after a day. Each download to a device adds a GET (${usd(result.prices.aws.s3.perThousandGetRequests / 1000)}) and data transfer out (${usd(a.dollars.transferOutPerDownload)} for this file at ${usd(result.prices.aws.s3.transferOutPerGb)}/GB), usually the largest part.`,
    );
    out.push('');
  }

  if (result.lifecycle && result.lifecycle.length > 0) {
    const messages = [
      { label: 'direct', perMessage: result.dollars.direct.total },
      ...result.dollars.groups.filter((g) => result.lifecycle!.some((row) => row.members === g.members)).map((g) => ({ label: `group of ${n(g.members)}`, perMessage: g.perMessage.total })),
    ];
    out.push(...lifecycleMarkdown(result.lifecycle, messages));
  }

  if (result.serverApi && result.serverApi.length > 0) out.push(...serverApiMarkdown(result.serverApi, result.prices.aws.apiGatewayHttp.perMillionRequests));

  out.push('## Dollars');
  out.push('');
  out.push(`![Cost per million messages](${charts.dollars})`);
  out.push('');
  out.push(
    table(
      ['Scenario', 'Per million messages', 'DynamoDB', 'Lambda', 'SQS', 'API Gateway', 'Per recipient', 'Per million, every member online'],
      [
        ['direct', usd(result.dollars.directPerMillion), usd(result.dollars.direct.dynamoDb * 1e6), usd(result.dollars.direct.lambda * 1e6), usd(0), usd(result.dollars.direct.apiGateway * 1e6), usd(result.dollars.direct.total), usd(result.dollars.directPerMillion)],
        ...result.dollars.groups.map((g) => [
          `group ${n(g.members)} (${g.fanOut} fan-out)`,
          usd(g.perMillionMessages),
          usd(g.perMessage.dynamoDb * 1e6),
          usd(g.perMessage.lambda * 1e6),
          usd(g.perMessage.sqs * 1e6),
          usd(g.perMessage.apiGateway * 1e6),
          usd(g.perRecipient),
          usd(g.perMillionAllOnline),
        ]),
      ],
    ),
  );
  out.push('');
  out.push(...moderationMarkdown(result.dollars.direct.total));
  out.push('### A month');
  out.push('');
  const p0 = result.dollars.monthly[0]!.profile;
  out.push(
    `Profile: every user connected all the time (a keep-alive every ${p0.keepAliveIntervalMinutes} minutes: a one-way keepAlive, or a heartbeat when nothing arrived for ${p0.probeSilenceMinutes} minutes, assumed always: a silent link; no pings, connection records last the connection; a reconnect every 2 hours because API Gateway closes connections after 2 h), ` +
      `${p0.messagesPerUserPerDay} messages per user per day, ${p0.groupShare * 100}% of them to groups of ${p0.averageGroupSize} (priced with the group size measured closest: ${result.dollars.monthly[0]!.groupSizeUsed}, every member online), 30 days. ` +
      `Ably: ${usd(result.prices.ably.perMillionMessages)} per million messages (a publish and each delivery count), ${usd(result.prices.ably.perMillionConnectionMinutes)} per million connection-minutes — ${result.prices.ably.note}`,
  );
  out.push('');
  if (result.bursts) {
    const b = result.bursts;
    const one = (label: string, cost: { dynamo: { billedWrite: number; billedRead: number }; lambdaInvocations: number; sqsBilled: { total: number }; wsOut: number }, dollars: { total: number }) =>
      [label, `${n(cost.dynamo.billedWrite)} / ${n(cost.dynamo.billedRead)}`, n(cost.lambdaInvocations), n(cost.sqsBilled.total), n(cost.wsOut), usd(dollars.total * 1e6)];
    const closest = result.dollars.groups.find((g) => g.members === b.group.members);
    const closestCost = result.costs.groups.find((g) => g.members === b.group.members);
    out.push(
      `The profile's messages are priced as measured in a burst: ${n(b.direct.messages)} direct messages and ${n(b.group.messages)} messages to ${n(b.group.members)}-member groups sent by many users at once, every recipient online, so the stream and queue consumers batch as they do at this scale (the tables above send one message at a time: a worst case, where each message gets consumer invocations and SQS requests of its own). Per message:`,
    );
    out.push('');
    out.push(
      table(
        ['Message', 'WRU / RRU billed', 'Lambda inv.', 'SQS req.', 'WS out', '$ per million'],
        [
          one('direct, in a burst', b.direct, b.dollars.direct),
          one('direct, one at a time', result.costs.direct, result.dollars.direct),
          one(`group of ${n(b.group.members)}, in a burst (all online)`, b.group, b.dollars.group),
          ...(closest && closestCost ? [one(`group of ${n(b.group.members)}, one at a time (${closestCost.onlineMembers} online)`, closestCost, closest.perMessage)] : []),
        ],
      ),
    );
    out.push('');
  }
  out.push(`![Monthly cost](${charts.monthly})`);
  out.push('');
  out.push(
    table(
      ['Users', 'Messages', 'AWS: messages', 'AWS: keep-alive', 'AWS: reconnects', 'AWS: connection-minutes', 'AWS: SQS idle polls', '**AWS total**', 'Ably: messages', 'Ably: connection-minutes', '**Ably total**'],
      result.dollars.monthly.map((m) => [
        n(m.profile.users),
        n(m.counts.directMessages + m.counts.groupMessages),
        usd(m.aws.messages.total),
        usd(m.aws.keepAlive.total),
        usd(m.aws.reconnects.total),
        usd(m.aws.connectionMinutes),
        usd(m.aws.sqsPollers),
        `**${usd(m.aws.total)}**`,
        usd(m.ably.messages),
        usd(m.ably.connectionMinutes),
        `**${usd(m.ably.total)}**`,
      ]),
    ),
  );
  out.push('');
  const m0 = result.dollars.monthly[0]!;
  const shares = [
    ['messages', m0.aws.messages.total],
    ['keep-alive', m0.aws.keepAlive.total],
    ['connection-minutes', m0.aws.connectionMinutes],
    ['reconnects', m0.aws.reconnects.total],
  ] as const;
  const biggest = [...shares].sort((a, b) => b[1] - a[1])[0]!;
  out.push(
    `The largest share of the AWS bill in this profile is ${biggest[0]} (${((biggest[1] / m0.aws.total) * 100).toFixed(0)}%). ` +
      `Keep-alive: ${n(Math.round(m0.counts.keepAlives / m0.profile.users))} one-way keepAlives (one WebSocket message each) and ${n(Math.round(m0.counts.heartbeats / m0.profile.users))} heartbeats (two messages each, answered by API Gateway) per user, no Lambda and no write; pings every ${V1_PING_INTERVAL_MINUTES} minutes (the v1 SDK) would cost ${usd(m0.keepAliveWithPingsOnly.total / m0.profile.users)} per user instead of ${usd(m0.aws.keepAlive.total / m0.profile.users)}. ` +
      `Per user per month: AWS ${usd(m0.aws.total / m0.profile.users)}, Ably ${usd(m0.ably.total / m0.profile.users)}. ` +
      'The Ably figures cover transport only (no per-user timelines, no sync, no unread counts, no server-side logic).',
  );
  out.push('');

  out.push('## Baseline: the AWS WebSocket chat sample (scan and broadcast)');
  out.push('');
  out.push(
    'Re-implemented from its description in `bench/baseline-scan-broadcast.ts`: `sendmessage` scans the connections table and posts to every connection. ' +
      `Cost model: Scan of N items of ~${result.baseline.assumptions.connectionItemBytes} B = ceil(size / 4 KB) × 0.5 RRU per 1 MB page, N posts, 1 invocation at ${result.baseline.assumptions.lambdaMemoryMb} MB for ${result.baseline.assumptions.lambdaBaseMs} ms + ${result.baseline.assumptions.lambdaMsPerPost} ms per post (assumed). ` +
      'The Scan was also run against DynamoDB Local (column "measured").',
  );
  out.push('');
  out.push(`![Baseline vs. this stack](${charts.baseline})`);
  out.push('');
  out.push(
    table(
      ['Users', 'Scan RRU (model)', 'Scan RRU (DynamoDB Local)', 'Posts', 'Baseline $ per message', 'This stack: group message, all online', 'This stack: direct message'],
      result.baseline.points.map((p) => {
        const ours = result.baseline.ours.find((o) => o.users === p.users);
        return [n(p.users), n(p.scanRru), p.measuredScanRru === undefined ? '–' : n(p.measuredScanRru), n(p.posts), usd(p.dollars.total), ours ? usd(ours.perMessage) : '–', usd(result.dollars.direct.total)];
      }),
    ),
  );
  out.push('');
  const comparisons = result.baseline.ours
    .map((o) => ({ o, b: result.baseline.points.find((p) => p.users === o.users) }))
    .filter((x): x is { o: (typeof result.baseline.ours)[number]; b: (typeof result.baseline.points)[number] } => x.b !== undefined)
    .map(({ o, b }) => `${n(o.users)} users: this stack ${usd(o.perMessage)} vs. baseline ${usd(b.dollars.total)} (×${(o.perMessage / b.dollars.total).toFixed(2)})`);
  out.push(
    `Per broadcast with everyone online: ${comparisons.join('; ')}. ` +
      'Both designs pay one WebSocket message per online recipient ($1 per million), which dominates at scale, so for a room where everyone is online their costs grow alike with users; ' +
      'this stack also stores the message (per-user timelines below the large-group threshold: ~2 WRU per recipient plus a claim per job; one copy above it), which the baseline does not (no history, no offline delivery, no order). ' +
      `What the baseline cannot do is address anyone: a one-to-one message in a deployment of N users still scans N items and posts N times, while this stack's direct message costs ${usd(result.dollars.direct.total)} at any N (the dashed line). ` +
      'Above the large-group threshold this stack writes a constant number of units per message (read fan-out) and pays per online listener only.',
  );
  out.push('');

  out.push('## Latency and throughput on the local cloud');
  out.push('');
  out.push(
    `Everything runs on this one machine (${result.machine.cpus} cores): the bench's clients, the gateway, the Lambda worker threads (at most 8 concurrent environments per function) and DynamoDB Local. ` +
      'These numbers show how the design behaves, not what AWS would measure.',
  );
  out.push('');
  out.push(`![Latency](${charts.latency})`);
  out.push('');
  out.push(`Direct messages between pairs of ${n(result.latency.connectedClients)} connected clients (connected in ${result.latency.connectSeconds} s):`);
  out.push('');
  out.push(
    table(
      ['Phase', 'Concurrent senders', 'Duration', 'Acknowledged', 'Pushed', 'Failed', 'Messages/s', 'Reply p50 / p95 / p99', 'Send-to-push p50 / p95 / p99 / max'],
      result.latency.phases.map((p) => [
        p.label,
        p.concurrency,
        `${p.durationSeconds} s`,
        n(p.acknowledged),
        n(p.pushed),
        n(p.failed),
        n(p.messagesPerSecond, 1),
        `${p.sendToReplyMs.p50} / ${p.sendToReplyMs.p95} / ${p.sendToReplyMs.p99} ms`,
        `${p.sendToPushMs.p50} / ${p.sendToPushMs.p95} / ${p.sendToPushMs.p99} / ${p.sendToPushMs.max} ms`,
      ]),
    ),
  );
  out.push('');
  if (result.groupReach.length > 0) {
    out.push('Large groups (read fan-out): time from `send` until the last online member has the `groupMessage` push:');
    out.push('');
    out.push(
      table(
        ['Members', 'Online (connected by the bench)', 'Samples: first push / last push', 'Median to last', 'WRU / RRU billed per message', 'Lambda inv.', 'WS out', 'Per million messages'],
        result.groupReach.map((r) => [
          n(r.members),
          `${n(r.onlineMembers)} (+ sender)`,
          r.timeToFirstMs.map((f, i) => `${f} / ${r.timeToLastMs[i]} ms`).join('; '),
          `${r.medianTimeToLastMs} ms`,
          `${n(r.cost.dynamo.billedWrite)} / ${n(r.cost.dynamo.billedRead)}`,
          n(r.cost.lambdaInvocations),
          n(r.cost.wsOut),
          usd(dollarsTotal(r.cost) * 1e6),
        ]),
      ),
    );
    out.push('');
  }

  out.push('## Cold start');
  out.push('');
  out.push(
    'Bundle: `cdk.out/asset.*/index.mjs` (mapped to functions through the template\'s `aws:asset:path`). Init: `import()` of the bundle in a fresh `node` process, median of 5, with the function\'s environment (intrinsics as placeholders); the deployed bundle has the AWS SDK inside (`lib/constructs/handler-function.ts`). ' +
      '"SDK from the runtime": for comparison, the same handler built with the same options but the `@aws-sdk/*` packages external, loaded from `node_modules` file by file as the Lambda runtime would load its own.',
  );
  out.push('');
  out.push(`![Bundle sizes](${charts.bundles})`);
  out.push('');
  out.push(`![Init time](${charts.init})`);
  out.push('');
  out.push(
    table(
      ['Handler', 'Function', 'Memory', 'Deployed bundle (SDK inside)', 'Init (deployed)', 'SDK from the runtime', 'Init (SDK from the runtime)'],
      result.coldStarts.map((x) => [x.handler, x.logicalId, `${x.memoryMb} MB`, kb(x.deployedBytes), `${x.deployedInitMs} ms`, kb(x.runtimeSdkBytes), `${x.runtimeSdkInitMs} ms`]),
    ),
  );
  out.push('');
  if (result.push) {
    out.push(...pushMarkdown(result.push.costs, result.push.dollars));
    out.push('');
  }
  out.push('## Notes and method');
  out.push('');
  for (const note of result.notes) out.push(`- ${note}`);
  out.push(`- Prices (${result.prices.asOf}, ${result.prices.region}): ${result.prices.sources.join('; ')}. Ignored: ${result.prices.aws.ignored}`);
  out.push('');
  return `${out.join('\n')}\n`;
}

const workerWrites = (g: OperationCost): number =>
  Object.entries(g.dynamo.byCaller).filter(([caller]) => caller.startsWith('FanOutWorker')).reduce((s, [, v]) => s + v.write, 0);

const dollarsTotal = (cost: OperationCost): number => dollarsOf(cost).total;

function explainMiss(name: string, result: BenchResult): string {
  if (name.startsWith('Handler init')) {
    const sdk = result.sdkOnlyInitMs !== undefined ? ` Importing the AWS SDK clients alone from node_modules takes ${result.sdkOnlyInitMs} ms here.` : '';
    const load = result.machine.loadAverage ? ` The load average was ${result.machine.loadAverage.start[0]} at the start and ${result.machine.loadAverage.end[0]} at the end on ${result.machine.cpus} cores (other test suites ran at the same time).` : '';
    return `measured in fresh node processes on this shared ${result.machine.cpus}-core machine.${sdk}${load} These are upper bounds, not AWS cold starts; measure INIT_DURATION on a deployed stack before acting.`;
  }
  if (name.startsWith('Handler bundles')) return 'see the bundle table: a dependency pulled into the bundle.';
  if (name.includes('read units')) return `DynamoDB Local reports 0 RRU for empty reads; billed figure adds 0.5 RRU per empty read (${result.costs.direct.dynamo.zeroReads}).`;
  if (name.includes('WRU per recipient')) return 'per recipient the fan-out worker writes a delivery claim, allocates the recipient\'s seq and writes the timeline item (see byOperation in the JSON); anything above 3 comes from retried conditional writes.';
  return 'see the details above and the JSON (byOperation per scenario).';
}

/** What the moderation hook adds per message when a deployment has one (bench/moderation-cost-model.ts). */
export function moderationMarkdown(directPerMessage: number): string[] {
  const a = DEFAULT_MODERATION_ASSUMPTIONS;
  const d = moderationDollarsPerMessage(a);
  return [
    '### Moderation hook (when `moderationFunctionArn` is set)',
    '',
    `One synchronous invocation of the company's function per message and per edit (docs/moderation.md), priced, not measured: the function at ${a.functionMemoryMb} MB for ${a.functionDurationMs} ms, the send function (${a.sendMemoryMb} MB) waiting ${a.functionDurationMs + a.invokeOverheadMs} ms more.`,
    '',
    table(
      ['Part', 'Per million messages'],
      [
        ['Lambda request (the function)', usd(d.invocation * 1e6)],
        ["The function's GB-seconds", usd(d.functionCompute * 1e6)],
        ['The send function waiting', usd(d.sendWait * 1e6)],
        ['Total added', usd(d.total * 1e6)],
        ['A direct message without the hook, for comparison', usd(directPerMessage * 1e6)],
      ],
    ),
    '',
  ];
}
