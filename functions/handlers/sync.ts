import { syncRequest } from '@serverless-im/protocol';
import { deliveredBy, receiptsOf, recordReceipts } from '../conversations/mark-delivered.js';
import { actionHandler } from '../runtime/action-handler.js';
import { pusherFromEnv, storageFromEnv } from '../runtime/instance.js';
import { readTimeline } from '../timeline/read-timeline.js';

/**
 * `sync`: the caller's own timeline after `after`, ascending and contiguous. The messages from
 * others it returns are delivered: their authors get a receipt (one write per conversation of the
 * page, before the reply, so a failed write fails the sync and the client's retry records it).
 */
export const handler = actionHandler({
  action: 'sync',
  schema: syncRequest,
  async run(input, { caller }) {
    const storage = storageFromEnv();
    const page = await readTimeline(storage, caller.userId, input.after, input.limit);
    await recordReceipts({ storage, pusher: pusherFromEnv() }, caller.userId, receiptsOf(deliveredBy(page.items), caller.userId));
    return page;
  },
});
