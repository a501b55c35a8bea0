import type { Dollars } from '../cost-model.js';
import type { LifecycleCost } from '../scenarios/lifecycle-costs.js';

const n = (value: number, digits = 2): string => (Number.isInteger(value) ? value.toLocaleString('en-US') : Number(value.toFixed(digits)).toLocaleString('en-US'));
const perMillion = (value: number): string => `$${(value * 1e6).toFixed(2)}`;

/** The message-lifecycle section of a report: what an edit, a reaction, a recall and a delivered receipt cost, next to a message. */
export function lifecycleMarkdown(rows: (LifecycleCost & { dollars: Dollars })[], messageDollars: { label: string; perMessage: number }[]): string[] {
  const out: string[] = [];
  out.push('## Message changes and delivered receipts');
  out.push('');
  out.push(
    'Each change is made to a message sent just before it, with the queues idle before and after, so a row holds everything the change causes: the request, the `update` items of every member (direct chats and write fan-out, through the fan-out queue) or the `groupUpdate` push to the online members (read fan-out), and the stream consumers. The actor is the sender (the group\'s owner); one other member is online and sends the delivered receipt.',
  );
  out.push('');
  out.push('| operation | conversation | members | WRU / RRU billed | WRU per recipient | Lambda inv. | WS out | $ per million |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const c = row.cost;
    out.push(
      `| ${row.operation} | ${row.conversation} | ${n(row.members)} | ${n(c.dynamo.billedWrite)} / ${n(c.dynamo.billedRead)} | ${n(c.dynamo.billedWrite / Math.max(1, row.recipients))} | ${n(c.lambdaInvocations)} | ${n(c.wsOut)} | ${perMillion(row.dollars.total)} |`,
    );
  }
  out.push('');
  if (messageDollars.length > 0) out.push(`For comparison, a message: ${messageDollars.map((m) => `${m.label} ${perMillion(m.perMessage)} per million`).join('; ')}.`);
  out.push('');
  return out;
}
