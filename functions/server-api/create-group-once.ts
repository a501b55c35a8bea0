import { newGroupId } from '../ids/new-ids.js';
import { createGroup, type MembershipDeps } from '../membership/change-membership.js';
import type { Checkpoint } from '../platform/checkpoints.js';
import { claimGroupRequest, groupRequestClaimId, markGroupRequestDone } from '../storage/claims.js';

/**
 * `POST /v1/groups`. Without `clientRequestId`, `createGroup`. With it, one group per (owner,
 * clientRequestId): the claim fixes the group's id and creation time first, so a retry (after a
 * lost reply, a crash between the claim and the group, or at the same time) completes and answers
 * the same group; `done` on the claim lets later retries answer without touching the group
 * (whose members may have changed since).
 */
export async function createGroupOnce(
  deps: MembershipDeps & { checkpoint: Checkpoint },
  request: { owner: string; title: string; members: readonly string[]; clientRequestId?: string | undefined },
): Promise<{ conversationId: string }> {
  if (request.clientRequestId === undefined) return createGroup(deps, request.owner, request.title, request.members);
  const claimId = groupRequestClaimId(request.owner, request.clientRequestId);
  const claim = await claimGroupRequest(deps.storage, { claimId, conversationId: newGroupId(), ts: deps.clock() });
  if (claim.done) return { conversationId: claim.conversationId };
  await deps.checkpoint('createGroup:claimed', { conversationId: claim.conversationId });
  await createGroup(deps, request.owner, request.title, request.members, { conversationId: claim.conversationId, now: claim.ts });
  await markGroupRequestDone(deps.storage, claimId);
  return { conversationId: claim.conversationId };
}
