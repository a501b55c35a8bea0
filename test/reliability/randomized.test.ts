import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { startTestCloud } from '../support/test-cloud.js';
import type { TestClient } from '../support/ws-client.js';
import {
  type AckedMessage,
  checkInvariants,
  NO_RATE_LIMITS,
  connectRobust,
  prng,
  requestUntilAnswered,
  type RetryStats,
  sendUntilAcked,
  syncEverything,
  text,
  throttlingInspector,
} from './harness.js';
import { MessageChangesModel, REACTION_EMOJI } from './message-changes-model.js';

/**
 * A randomized run, reproducible from its seed: 6-10 users with one or two devices, direct and
 * group conversations, sends, edits, recalls, reactions, reads, syncs and reconnects, each user
 * acting serially and all users at once, under a fault plan drawn from the same seed (a handler
 * crash or throw at a send step or a message-change step, a worker crash at a fan-out step,
 * DynamoDB throttling and 5xx, failed or swallowed pushes, lost `$disconnect`s). After the queues
 * are idle, DESIGN.md's invariants 1-3 and the unread rule are checked for everyone (harness.ts,
 * checkInvariants), and every device of every member, and the stored message, show each message
 * in the state its acknowledged changes imply (message-changes-model.ts).
 *
 *   RELIABILITY_RUNS=20 RELIABILITY_SEED=12345 npx vitest run test/reliability/randomized.test.ts
 *
 * Run r uses seed RELIABILITY_SEED + r; a failure names the seed that reproduces it.
 */

const RUNS = Math.max(1, Number(process.env.RELIABILITY_RUNS ?? 2));
const BASE_SEED = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 1_000_000));

const SEND_STEPS = ['send:claimed', 'send:seqs-allocated', 'send:message-stored', 'send:timelines-written', 'send:pushed', 'send:enqueued'];
const FANOUT_STEPS = ['fanout:seq-allocated', 'fanout:item-written', 'fanout:pushed', 'fanout:job-done'];
const CHANGE_STEPS = ['change:logged', 'change:stored', 'change:timelines-written', 'change:enqueued'];
const dmId = (a: string, b: string) => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`);

interface RunReport {
  seed: number;
  users: number;
  devices: number;
  groups: number;
  operations: number;
  acked: number;
  faults: string[];
  firedFaults: number;
  throttled: number;
  retries: RetryStats;
  timelineItems: number;
  messagesChecked: number;
  changes: MessageChangesModel['counts'];
  devicesChecked: number;
  membershipChanges: number;
}

describe('randomized: invariants hold for any mix of traffic and faults', () => {
  let cloud: LocalCloud;
  let baseInspectors: LocalCloud['dynamoFrontDoor']['inspectors'] = [];
  const reports: RunReport[] = [];

  beforeAll(async () => {
    cloud = await startTestCloud({ queueAttributes: { VisibilityTimeout: '5' }, functionEnvironment: NO_RATE_LIMITS });
    baseInspectors = [...cloud.dynamoFrontDoor.inspectors];
  });
  afterAll(async () => {
    console.log(`[reliability] randomized: ${reports.length} run(s) from seed ${BASE_SEED}`, JSON.stringify(reports));
    await cloud?.stop();
  });

  async function oneRun(seed: number): Promise<RunReport> {
    const random = prng(seed);
    const userCount = 6 + random.int(5);
    const users = [...Array(userCount).keys()].map((index) => `r${seed}-u${index}-${process.pid}`);
    const devices = new Map<string, { device: string; client: TestClient; connectionId: string }[]>();
    const opened: TestClient[] = [];
    const connectDevice = async (user: string, device: string) => {
      const before = new Set(cloud.gateway.connectionIds());
      const client = await connectRobust(cloud, user, device);
      opened.push(client);
      const connectionId = cloud.gateway.connectionIds().find((id) => !before.has(id)) ?? '';
      return { device, client, connectionId };
    };
    for (const user of users) {
      const count = 1 + random.int(2);
      const list = [];
      for (let d = 0; d < count; d++) list.push(await connectDevice(user, `d${d}`));
      devices.set(user, list);
    }
    const members = new Map<string, string[]>();
    const groupCount = 1 + random.int(2);
    const groupsOf = new Map<string, string[]>(users.map((user) => [user, []]));
    for (let g = 0; g < groupCount; g++) {
      const shuffled = [...users].sort(() => random.next() - 0.5);
      const group = shuffled.slice(0, 3 + random.int(Math.min(4, userCount - 2)));
      const created = await requestUntilAnswered(devices.get(group[0]!)![0]!.client, 'createGroup', { title: `run ${seed} group ${g}`, members: group.slice(1) });
      expect(created.ok, JSON.stringify(created)).toBe(true);
      members.set(created.data.conversationId, group);
      for (const user of group) groupsOf.get(user)!.push(created.data.conversationId);
    }
    // Group membership over the run, as acknowledged: who is in now, who ever was, and whose
    // membership changed (a message sent while it changed may or may not reach them).
    const groupIds = [...members.keys()];
    const ownerOf = new Map(groupIds.map((id) => [id, members.get(id)![0]!]));
    const currentMembers = new Map(groupIds.map((id) => [id, new Set(members.get(id))]));
    const everMembers = new Map(groupIds.map((id) => [id, new Set(members.get(id))]));
    const changedMembers = new Map(groupIds.map((id) => [id, new Set<string>()]));
    for (const user of users) for (const id of groupIds) if (!groupsOf.get(user)!.includes(id)) groupsOf.get(user)!.push(id);
    await waitForQueuesIdle(cloud);

    // The fault plan.
    const faults: string[] = [];
    const throttled = { refused: 0, seen: 0 };
    if (random.chance(0.6)) {
      const step = random.pick(SEND_STEPS);
      const action = random.pick(['crash', 'throw'] as const);
      cloud.lambda.faults.inject({ functionName: 'SendHandler', step, action, times: 1 });
      faults.push(`SendHandler ${step} ${action}`);
    }
    if (random.chance(0.6)) {
      const step = random.pick(FANOUT_STEPS);
      const times = 1 + random.int(2);
      cloud.lambda.faults.inject({ functionName: 'FanOutWorker', step, action: 'crash', times });
      faults.push(`FanOutWorker ${step} crash x${times}`);
    }
    if (random.chance(0.6)) {
      const step = random.pick(CHANGE_STEPS);
      const action = random.pick(['crash', 'throw'] as const);
      cloud.lambda.faults.inject({ functionName: 'MessageChangeHandler', step, action, times: 1 });
      faults.push(`MessageChangeHandler ${step} ${action}`);
    }
    if (random.chance(0.5)) {
      const fraction = 0.05 + random.int(11) / 100;
      cloud.dynamoFrontDoor.inspectors.unshift(throttlingInspector(seed, fraction, throttled));
      faults.push(`DynamoDB throttling/5xx ${Math.round(fraction * 100)}%`);
    }
    if (random.chance(0.5)) {
      const victim = random.pick([...devices.values()].flat());
      cloud.gateway.faults.dropPushesTo(victim.connectionId);
      faults.push('pushes swallowed for one connection');
    }
    const postFailure = random.chance(0.5) ? { status: random.pick([410, 429, 500]), count: 1 + random.int(3), afterOps: random.int(20) } : undefined;
    if (postFailure) faults.push(`${postFailure.count} push(es) fail with ${postFailure.status}`);
    const loseDisconnectsOnReconnect = random.chance(0.5);
    if (loseDisconnectsOnReconnect) faults.push('$disconnect lost on reconnects');

    // Each user's script, drawn up front so the run depends only on the seed.
    type Op =
      | { kind: 'direct'; to: string }
      | { kind: 'group'; conversationId: string }
      | { kind: 'read' }
      | { kind: 'reconnect' }
      | { kind: 'sync' }
      | { kind: 'edit' }
      | { kind: 'recall' }
      | { kind: 'react'; emoji: string; on: boolean }
      | { kind: 'membership' };
    const scripts = new Map<string, Op[]>();
    for (const user of users) {
      const ops: Op[] = [];
      const count = 6 + random.int(6);
      for (let n = 0; n < count; n++) {
        const roll = random.next();
        const myGroups = groupsOf.get(user)!;
        if (roll < 0.38) ops.push({ kind: 'direct', to: random.pick(users.filter((other) => other !== user)) });
        else if (roll < 0.58 && myGroups.length > 0) ops.push({ kind: 'group', conversationId: random.pick(myGroups) });
        else if (roll < 0.66) ops.push({ kind: 'read' });
        else if (roll < 0.73) ops.push({ kind: 'reconnect' });
        else if (roll < 0.78) ops.push({ kind: 'sync' });
        else if (roll < 0.86) ops.push({ kind: 'edit' });
        else if (roll < 0.89) ops.push({ kind: 'recall' });
        else if (roll < 0.95) ops.push({ kind: 'react', emoji: random.pick(REACTION_EMOJI), on: random.chance(0.7) });
        else ops.push({ kind: 'membership' });
      }
      scripts.set(user, ops);
    }
    const choices = new Map(users.map((user) => [user, prng(seed * 31 + users.indexOf(user))]));

    const acked: AckedMessage[] = [];
    const changes = new MessageChangesModel();
    // Who may act in a conversation now (groups: the current members), and whose devices must end in every message's state (members for the whole run).
    const membersOf = (conversationId: string) => (currentMembers.has(conversationId) ? [...currentMembers.get(conversationId)!] : (members.get(conversationId) ?? []));
    const stableMembersOf = (conversationId: string) =>
      currentMembers.has(conversationId) ? [...everMembers.get(conversationId)!].filter((user) => !changedMembers.get(conversationId)!.has(user)) : (members.get(conversationId) ?? []);
    const reads = new Map<string, Map<string, number>>(users.map((user) => [user, new Map()]));
    const retries: RetryStats = { attempts: 0, crashed: 0, internal: 0, conflict: 0 };
    let operations = 0;
    /**
     * The owner adds a user who is not in (or removes one who is); a member leaves. Marked as
     * changed before the request, so the checks allow a concurrent message either way for them.
     */
    const changeMembership = async (user: string, client: TestClient, mine: ReturnType<typeof prng>) => {
      const owned = groupIds.filter((id) => ownerOf.get(id) === user);
      if (owned.length > 0) {
        const conversationId = owned[mine.int(owned.length)]!;
        const inside = currentMembers.get(conversationId)!;
        const outsiders = users.filter((other) => !inside.has(other));
        const removable = [...inside].filter((other) => other !== user);
        const adding = outsiders.length > 0 && (removable.length <= 2 || mine.chance(0.5));
        const target = adding ? outsiders[mine.int(outsiders.length)]! : removable[mine.int(removable.length)]!;
        changedMembers.get(conversationId)!.add(target);
        const reply = await requestUntilAnswered(client, adding ? 'addMembers' : 'removeMembers', { conversationId, members: [target] });
        // Removing a member who left at the same moment removes nobody, and is no error.
        expect(reply.ok, `[seed ${seed}] ${adding ? 'add' : 'remove'} ${JSON.stringify(reply)}`).toBe(true);
        if (adding) {
          inside.add(target);
          everMembers.get(conversationId)!.add(target);
        } else inside.delete(target);
        membershipChanges++;
        return;
      }
      const joined = groupIds.filter((id) => currentMembers.get(id)!.has(user));
      if (joined.length === 0) return;
      const conversationId = joined[mine.int(joined.length)]!;
      changedMembers.get(conversationId)!.add(user);
      const reply = await requestUntilAnswered(client, 'leaveGroup', { conversationId });
      // Removed by the owner at the same moment: already out.
      if (!reply.ok) expect(reply.error, `[seed ${seed}] leave ${JSON.stringify(reply)}`).toMatchObject({ code: 'FORBIDDEN', reason: 'notMember' });
      currentMembers.get(conversationId)!.delete(user);
      membershipChanges++;
    };
    let membershipChanges = 0;
    const runUser = async (user: string) => {
      const mine = choices.get(user)!;
      let sent = 0;
      for (const op of scripts.get(user)!) {
        operations++;
        if (postFailure && operations === postFailure.afterOps) cloud.gateway.faults.failNextPosts(postFailure.status, postFailure.count);
        const list = devices.get(user)!;
        const slot = mine.int(list.length);
        const client = list[slot]!.client;
        if (op.kind === 'group' && !currentMembers.get(op.conversationId)!.has(user)) continue;
        if (op.kind === 'direct' || op.kind === 'group') {
          const clientMsgId = `m${sent}`;
          const target = op.kind === 'direct' ? { to: op.to } : { conversationId: op.conversationId };
          let reply;
          try {
            reply = await sendUntilAcked(client, { clientMsgId, ...target, body: text(`${user} ${sent}`) }, retries);
          } catch (error) {
            // Removed by the owner while sending: refused, nothing stored (the clientMsgId is not reused).
            if (op.kind === 'group' && changedMembers.get(op.conversationId)!.has(user) && /notMember/.test(String(error))) {
              sent++;
              continue;
            }
            throw error;
          }
          acked.push({ ...reply.data, from: user, clientMsgId, ackIndex: sent });
          if (op.kind === 'direct') members.set(dmId(user, op.to), [user, op.to]);
          changes.sent({ ...reply.data, from: user, text: `${user} ${sent}` });
          sent++;
        } else if (op.kind === 'edit' || op.kind === 'recall') {
          // Only in conversations the user is still in: one who left or was removed may no longer change them.
          const own = changes.ownLive(user).filter((m) => !currentMembers.has(m.conversationId) || currentMembers.get(m.conversationId)!.has(user));
          if (own.length === 0) continue;
          const target = own[mine.int(own.length)]!;
          const where = { conversationId: target.conversationId, conversationSeq: target.conversationSeq };
          const edited = `${target.msgId} edit ${mine.int(1_000_000)}`;
          const reply = await requestUntilAnswered(client, op.kind, op.kind === 'edit' ? { ...where, body: text(edited) } : where);
          expect(reply.ok, `[seed ${seed}] ${op.kind} ${JSON.stringify(reply)}`).toBe(true);
          if (op.kind === 'edit') changes.edited(target.msgId, edited);
          else changes.recalledMessage(target.msgId);
        } else if (op.kind === 'membership') {
          await changeMembership(user, client, mine);
        } else if (op.kind === 'react') {
          const visible = changes.visibleTo(user, membersOf);
          if (visible.length === 0) continue;
          const target = visible[mine.int(visible.length)]!;
          const reply = await requestUntilAnswered(client, 'react', { conversationId: target.conversationId, conversationSeq: target.conversationSeq, emoji: op.emoji, on: op.on });
          if (reply.ok) changes.reacted(target.msgId, user, op.emoji, op.on);
          else {
            // Only a recall by its sender, at the same time, may stop a member's reaction.
            expect(reply.error, `[seed ${seed}] react ${JSON.stringify(reply)}`).toMatchObject({ code: 'FORBIDDEN', reason: 'messageRecalled' });
            changes.refusedAsRecalled(target.msgId);
          }
        } else if (op.kind === 'read') {
          const listed = await requestUntilAnswered(client, 'conversations');
          expect(listed.ok, JSON.stringify(listed)).toBe(true);
          const candidates = (listed.data.items as any[]).filter((item) => (item.lastMessage?.conversationSeq ?? 0) > 0);
          if (candidates.length === 0) continue;
          const item = candidates[mine.int(candidates.length)];
          const upTo = 1 + mine.int(item.lastMessage.conversationSeq);
          const reply = await requestUntilAnswered(client, 'read', { conversationId: item.conversationId, upTo });
          expect(reply.ok, JSON.stringify(reply)).toBe(true);
          expect(reply.data.totalUnread).toBeGreaterThanOrEqual(reply.data.unread);
          const asked = reads.get(user)!;
          asked.set(item.conversationId, Math.max(asked.get(item.conversationId) ?? 0, upTo));
        } else if (op.kind === 'reconnect') {
          const old = list[slot]!;
          if (loseDisconnectsOnReconnect) cloud.gateway.faults.loseDisconnects();
          await old.client.close();
          list[slot] = await connectDevice(user, old.device);
        } else {
          await syncEverything(client);
        }
      }
    };
    await Promise.all(users.map(runUser));

    cloud.gateway.faults.clear();
    cloud.lambda.faults.clear();
    await waitForQueuesIdle(cloud);
    cloud.dynamoFrontDoor.inspectors.splice(0, cloud.dynamoFrontDoor.inspectors.length, ...baseInspectors);
    const firedFaults = cloud.lambda.faults.fired.length;
    cloud.lambda.faults.fired.length = 0;

    // Members for the whole run must have every message exactly once; the others, at most once, and only from a group they were in.
    for (const id of groupIds) members.set(id, [...everMembers.get(id)!].filter((user) => !changedMembers.get(id)!.has(user)));
    const result = await checkInvariants({
      clients: new Map(users.map((user) => [user, devices.get(user)![0]!.client])),
      members,
      groupMembership: { ever: everMembers, current: currentMembers },
      acked,
      reads,
      label: `[seed ${seed}]`,
    });
    // The group's count and list are the truth the acknowledged changes make.
    for (const id of groupIds) {
      const owner = devices.get(ownerOf.get(id)!)![0]!.client;
      const listed = await requestUntilAnswered(owner, 'conversations');
      const summary = (listed.data.items as any[]).find((item) => item.conversationId === id);
      expect(summary?.memberCount, `[seed ${seed}] memberCount of ${id}`).toBe(currentMembers.get(id)!.size);
      expect([...(summary?.members ?? [])].sort(), `[seed ${seed}] members of ${id}`).toEqual([...currentMembers.get(id)!].sort());
    }
    const devicesChecked = await changes.check({
      devices: new Map(users.map((user) => [user, devices.get(user)!.map((entry) => entry.client)])),
      membersOf: stableMembersOf,
      label: `[seed ${seed}]`,
    });
    // Every device of a user converges on the same timeline.
    for (const user of users) {
      const list = devices.get(user)!;
      if (list.length < 2) continue;
      const [first, second] = await Promise.all(list.map((entry) => syncEverything(entry.client)));
      expect(second, `[seed ${seed}] ${user}'s devices agree`).toEqual(first);
    }
    await Promise.all(opened.map((client) => client.close()));
    return {
      seed,
      users: userCount,
      devices: [...devices.values()].flat().length,
      groups: groupCount,
      operations,
      acked: acked.length,
      faults,
      firedFaults,
      throttled: throttled.refused,
      retries,
      ...result,
      changes: changes.counts,
      devicesChecked,
      membershipChanges,
    };
  }

  it(`keeps invariants 1-3 and the unread rule in ${RUNS} seeded run(s)`, { timeout: RUNS * 150_000 }, async () => {
    console.log(`[reliability] randomized: RELIABILITY_SEED=${BASE_SEED} RELIABILITY_RUNS=${RUNS}`);
    for (let run = 0; run < RUNS; run++) {
      const seed = BASE_SEED + run;
      try {
        reports.push(await oneRun(seed));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`randomized run failed; reproduce with RELIABILITY_SEED=${seed} RELIABILITY_RUNS=1\n${message}`, { cause: error });
      } finally {
        cloud.gateway.faults.clear();
        cloud.lambda.faults.clear();
        cloud.dynamoFrontDoor.inspectors.splice(0, cloud.dynamoFrontDoor.inspectors.length, ...baseInspectors);
      }
    }
  });
});
