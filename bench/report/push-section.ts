import type { PushDollars, PushPipelineCosts } from '../push-cost-model.js';
import { round } from '../support.js';

const usd = (value: number, digits = 2): string => `$${value.toFixed(digits)}`;
const micro = (value: number): string => `$${(value * 1e6).toFixed(2)} per million`;

/** The push notification section of a report: what the pipeline costs per message, per notification and per million messages. */
export function pushMarkdown(costs: PushPipelineCosts, dollars: PushDollars): string[] {
  const out: string[] = [];
  out.push('## Offline push notifications');
  out.push('');
  out.push('The notification pipeline only (stream dispatcher, FIFO queue, worker, SNS Publish), per direct message; the send itself is in the tables above. Measured on the local cloud; dollars from `bench/prices.ts` (SNS mobile push: $0.50 per million).');
  out.push('');
  out.push('| recipient | Lambda invocations | DynamoDB WRU / RRU (billed) | SQS requests | SNS publishes | $ per message |');
  out.push('|---|---|---|---|---|---|');
  for (const [label, cost, perMessage] of [
    ['no push token', costs.noDevice, dollars.perMessage.noDevice],
    ['registered, connected', costs.connected, dollars.perMessage.connected],
    ['registered, offline', costs.offline, dollars.perMessage.offline],
  ] as const) {
    out.push(`| ${label} | ${cost.lambdaInvocations} | ${cost.dynamo.billedWrite} / ${cost.dynamo.billedRead} | ${cost.sqsBilled.total} | ${cost.publishes} | ${micro(perMessage)} |`);
  }
  out.push('');
  const n = dollars.perNotification;
  out.push(
    `**Per notification** (one offline device): ${micro(n.total)} — DynamoDB ${micro(n.dynamoDb)}, Lambda ${micro(n.lambda)}, SQS ${micro(n.sqs)}, SNS ${micro(n.sns)}.`,
  );
  out.push('');
  out.push('**Per million direct messages** whose recipient has a registered device, by the share of recipients offline (`BENCH_OFFLINE_SHARE` adds a share):');
  out.push('');
  out.push('| offline share | notifications | $ per million messages |');
  out.push('|---|---|---|');
  for (const row of dollars.perMillionByOfflineShare) out.push(`| ${round(row.offlineShare * 100, 1)} % | ${Math.round(row.notifications).toLocaleString('en-US')} | ${usd(row.dollars)} |`);
  out.push('');
  out.push(
    'The bench sends one message at a time, so each message gets a dispatcher and a worker invocation of its own; under load a dispatcher invocation takes up to 100 stream records and a worker up to 10 jobs, and the Lambda and SQS shares per message fall accordingly (Lambda GB-seconds use local durations and overstate AWS). A recipient without a push token costs the dispatcher share and one empty Devices query per message; the badge (`totalUnread`) is computed only for an offline device and reads the recipient\'s membership rows and conversation heads (0.5 RRU per conversation), so its cost grows with the number of conversations a user has (the bench users have one).',
  );
  return out;
}
