import { type Body, isAttachmentBody } from '@serverless-im/protocol';
import { messageKeyOf } from './attach.js';
import type { AttachmentObjects } from './object-store.js';

/**
 * A message with an attachment was stored (its Conversations stream record): its upload is tagged
 * `attached`, which no lifecycle rule deletes. This runs from the stream rather than from `send`
 * because a stream record exists once the message does: a send that dies right after storing the
 * message cannot leave its file `sending`, to be deleted under a stored message. An object gone
 * already (recalled in the meantime) is left gone. Running it again changes nothing.
 */
export async function confirmAttached(objects: AttachmentObjects, image: Record<string, unknown>): Promise<'attached' | 'gone' | 'none'> {
  const body = image.body as Body | undefined;
  if (typeof image.cseq !== 'number' || image.cseq < 1 || !body || !isAttachmentBody(body)) return 'none';
  if (typeof image.from !== 'string' || typeof image.clientMsgId !== 'string') return 'none';
  return (await objects.markAttached(body.attachmentId, messageKeyOf(image.from, image.clientMsgId))) ? 'attached' : 'gone';
}
