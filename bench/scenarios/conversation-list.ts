import { fileURLToPath } from 'node:url';
import { CapacityLedger } from '../../local-cloud/front-door/capacity-ledger.js';
import { seedDirectConversations } from '../../test/support/seed-conversations.js';
import type { TargetCheck } from '../result.js';
import { type BenchCloud, log, startBenchCloud, uniqueSuffix } from '../support.js';

/** What a `conversations` page and a `read` cost for a user with this many conversations (issue 18). */
export interface ConversationListCost {
  conversations: number;
  /** A first page of 50 (nothing new since the last list), a page after its cursor, a read: DynamoDB units as measured. */
  firstPage: { read: number; write: number };
  nextPage: { read: number; write: number };
  read: { read: number; write: number };
}

const PAGE = 50;

/**
 * Seeds each user's conversations in the tables (as the stack leaves them: rows, heads, messages,
 * timeline items, the list's mark; 3 unread), adds one live conversation through real sends, then
 * measures a first page, the next page and a `read` of the live conversation.
 */
export async function measureConversationList(bench: BenchCloud, sizes: readonly number[]): Promise<ConversationListCost[]> {
  const results: ConversationListCost[] = [];
  const ledger = bench.cloud.dynamoFrontDoor.ledger;
  const units = async (fn: RegExp, run: () => Promise<unknown>) => {
    const mark = ledger.mark();
    await run();
    const total = CapacityLedger.total(ledger.since(mark).filter((entry) => fn.test(entry.caller)));
    return { read: total.read, write: total.write };
  };
  for (const size of sizes) {
    const userId = `list${size}-${uniqueSuffix()}`;
    log(`conversation list: seeding ${size} conversations`);
    await seedDirectConversations(bench.cloud, userId, size, { unread: 3 });
    const [user, peer] = [await bench.connect(userId), await bench.connect(`${userId}-live`)];
    try {
      for (const n of [1, 2]) await peer.request('send', { clientMsgId: `live-${n}`, to: userId, body: { kind: 'text', text: `live ${n}` } });
      await user.request('conversations', { limit: PAGE }); // applies the live messages to the index
      let cursor: string | undefined;
      const firstPage = await units(/Conversations/, async () => {
        cursor = (await user.request('conversations', { limit: PAGE })).data.cursor;
      });
      const nextPage = await units(/Conversations/, () => user.request('conversations', { limit: PAGE, cursor }));
      const conversationId = `dm:${[userId, `${userId}-live`].sort().join(':')}`;
      const read = await units(/Read/, () => user.request('read', { conversationId, upTo: 2 }));
      results.push({ conversations: size + 1, firstPage, nextPage, read });
    } finally {
      await Promise.all([user.close(), peer.close()]);
    }
  }
  return results;
}

const units = (u: { read: number; write: number }) => `${u.read} RRU + ${u.write} WRU`;
const weight = (u: { read: number; write: number }) => u.read + u.write;

/** The issue-18 targets: a page and a read cost the same at every size (ratio largest / smallest). */
export function conversationListTargets(all: readonly ConversationListCost[]): TargetCheck[] {
  if (all.length < 2) return [];
  // A page is compared where it is full (a user with fewer conversations than two pages costs less); read at every size.
  const full = all.filter((cost) => cost.conversations > 2 * PAGE);
  const check = (name: string, pick: (cost: ConversationListCost) => { read: number; write: number }, costs = full.length >= 2 ? full : all): TargetCheck => {
    const [smallest, largest] = [costs[0]!, costs.at(-1)!];
    const sizes = costs.map((cost) => cost.conversations).join(' / ');
    const ratio = weight(pick(largest)) / weight(pick(smallest));
    return {
      name,
      target: `the same at ${sizes} conversations (ratio ${largest.conversations} / ${smallest.conversations} = 1.00)`,
      measured: `${costs.map((cost) => units(pick(cost))).join(' / ')}; ratio ${ratio.toFixed(2)}`,
      pass: ratio <= 1.0001,
    };
  };
  return [
    check(`conversations: a first page of ${PAGE}`, (cost) => cost.firstPage),
    check(`conversations: the next page of ${PAGE}`, (cost) => cost.nextPage),
    check('read: one conversation, with totalUnread', (cost) => cost.read, all),
  ];
}

// Alone: `npx tsx bench/scenarios/conversation-list.ts [sizes...]` (after `npm run synth`).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startDynamoDbLocal } = await import('../../local-cloud/dynamodb/dynamodb-local.js');
  const dynamo = await startDynamoDbLocal();
  const bench = await startBenchCloud(dynamo.endpoint);
  try {
    const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
    const costs = await measureConversationList(bench, sizes.length > 0 ? sizes : [10, 500, 5000]);
    console.log(JSON.stringify(costs, null, 2));
    for (const target of conversationListTargets(costs)) console.log(`${target.pass ? 'MET ' : 'MISS'} ${target.name}: ${target.measured} (target ${target.target})`);
  } finally {
    await bench.stop();
    await dynamo.stop();
  }
}
