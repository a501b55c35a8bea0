import type { GroupRole } from '@serverless-im/protocol';
import { headKey, type PendingEvent } from './conversations/records.js';
import type { Storage } from './storage.js';
import { type TransactionOutcome, type TransactItem, writeTransaction } from './transactions.js';

/**
 * Roles and settings of a group change in DynamoDB transactions whose conditions restate what the
 * change was decided on (who owns the group, the role a member has, the settings read), so two
 * changes at once cannot both apply, and the system item that announces a change is written in
 * the same transaction (`PendingEvent`), so a retry after a crash can announce it again.
 *
 * Where the state lives: a member's role on their Memberships row (`role`, projected into
 * `byGroup`); the owner and the settings on the group head (Conversations, cseq 0).
 */

const memberKey = (userId: string, conversationId: string) => ({ userId, conversationId });

/** The outcome of a transaction by the name of each item whose condition failed. */
export type Refusal<Name extends string> = { applied: true } | { applied: false; refused: Set<Name> };

const named = <Name extends string>(outcome: TransactionOutcome, names: readonly Name[]): Refusal<Name> =>
  outcome.applied ? { applied: true } : { applied: false, refused: new Set(outcome.failedConditions.map((index) => names[index]!)) };

/** A ConditionCheck that `userId` still owns the group. */
const ownerCheck = (storage: Storage, conversationId: string, owner: string): TransactItem => ({
  ConditionCheck: {
    TableName: storage.tables.conversations,
    Key: headKey(conversationId),
    ConditionExpression: '#owner = :owner',
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: { ':owner': owner },
  },
});

/**
 * Gives `userId` the role `role` (admin or member), only while `owner` owns the group, the user is
 * a member, not the owner, and has another role: of two equal calls at once exactly one applies.
 */
export async function changeRoleExactly(
  storage: Storage,
  input: { conversationId: string; owner: string; userId: string; role: Exclude<GroupRole, 'owner'>; event: PendingEvent },
): Promise<Refusal<'owner' | 'member'>> {
  const outcome = await writeTransaction(storage, [
    ownerCheck(storage, input.conversationId, input.owner),
    {
      Update: {
        TableName: storage.tables.memberships,
        Key: memberKey(input.userId, input.conversationId),
        UpdateExpression: 'SET #role = :role, roleEvent = :event',
        ConditionExpression: 'attribute_exists(userId) AND kind = :group AND #role <> :role AND #role <> :owner',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':role': input.role, ':event': input.event, ':group': 'group', ':owner': 'owner' },
      },
    },
  ]);
  return named(outcome, ['owner', 'member'] as const);
}

/**
 * Hands the group from `from` to `to` in one transaction: the head's owner (only if it still is
 * `from`), `to`'s row (only if `to` is a member) and, unless `from` is leaving, `from`'s row (only
 * while it says owner) to `fromRole`. Whatever races with it (another transfer, the new owner
 * leaving), the group ends with exactly one owner, who is a member.
 */
export async function handOverExactly(
  storage: Storage,
  input: { conversationId: string; from: string; to: string; fromRole: Exclude<GroupRole, 'owner'> | undefined; event: PendingEvent },
): Promise<Refusal<'head' | 'to' | 'from'>> {
  const items: TransactItem[] = [
    {
      Update: {
        TableName: storage.tables.conversations,
        Key: headKey(input.conversationId),
        UpdateExpression: 'SET #owner = :to, ownerEvent = :event',
        ConditionExpression: '#owner = :from',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':from': input.from, ':to': input.to, ':event': input.event },
      },
    },
    {
      Update: {
        TableName: storage.tables.memberships,
        Key: memberKey(input.to, input.conversationId),
        UpdateExpression: 'SET #role = :owner',
        ConditionExpression: 'attribute_exists(userId) AND kind = :group',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':owner': 'owner', ':group': 'group' },
      },
    },
  ];
  if (input.fromRole) {
    items.push({
      Update: {
        TableName: storage.tables.memberships,
        Key: memberKey(input.from, input.conversationId),
        UpdateExpression: 'SET #role = :role',
        ConditionExpression: 'attribute_exists(userId) AND #role = :owner',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':role': input.fromRole, ':owner': 'owner' },
      },
    });
  }
  return named(await writeTransaction(storage, items), ['head', 'to', 'from'] as const);
}

/** The settings `updateGroup` changes, as the head stores them (flags absent when false). */
export interface GroupSettingsValues {
  title: string;
  onlyAdminsSend: boolean;
  onlyAdminsAdd: boolean;
}

/**
 * Writes the settings that differ from `before` (the head as read), only if the head still holds
 * `before` for each of them and `actor` is still the owner or an admin: a concurrent change makes
 * the caller read again, so each change is made (and announced) once.
 */
export async function changeSettingsExactly(
  storage: Storage,
  input: { conversationId: string; actor: string; before: GroupSettingsValues; after: Partial<GroupSettingsValues>; event: PendingEvent },
): Promise<Refusal<'actor' | 'head'>> {
  const sets: string[] = ['settingsEvent = :event'];
  const removes: string[] = [];
  const conditions: string[] = ['attribute_exists(conversationId)'];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':event': input.event };
  for (const [field, value] of Object.entries(input.after) as [keyof GroupSettingsValues, string | boolean][]) {
    names[`#${field}`] = field;
    if (field === 'title') {
      sets.push('#title = :title');
      values[':title'] = value;
      conditions.push('#title = :oldTitle');
      values[':oldTitle'] = input.before.title;
    } else {
      // A flag is stored only while it is on.
      if (value === true) {
        sets.push(`#${field} = :on`);
        values[':on'] = true;
      } else removes.push(`#${field}`);
      conditions.push(input.before[field] ? `#${field} = :on` : `attribute_not_exists(#${field})`);
      values[':on'] = true;
    }
  }
  const outcome = await writeTransaction(storage, [
    {
      ConditionCheck: {
        TableName: storage.tables.memberships,
        Key: memberKey(input.actor, input.conversationId),
        ConditionExpression: 'attribute_exists(userId) AND #role IN (:owner, :admin)',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':owner': 'owner', ':admin': 'admin' },
      },
    },
    {
      Update: {
        TableName: storage.tables.conversations,
        Key: headKey(input.conversationId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  ]);
  return named(outcome, ['actor', 'head'] as const);
}
