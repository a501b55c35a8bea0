import { describe, expect, it } from 'vitest';
import { attachToMessage, messageKeyOf } from '../../../functions/attachments/attach.js';
import { deleteAttachmentOf } from '../../../functions/attachments/delete-attachment.js';
import type { AttachmentObjects, StoredAttachment } from '../../../functions/attachments/object-store.js';

/** The attachments bucket as a map, recording the calls the domain makes. */
function objectsHolding(objects: Record<string, StoredAttachment>, tags: Record<string, string> = {}) {
  const calls: string[] = [];
  const store: AttachmentObjects = {
    presignUpload: () => Promise.reject(new Error('not used')),
    presignDownload: () => Promise.reject(new Error('not used')),
    head: async (id) => {
      calls.push(`head ${id}`);
      return objects[id];
    },
    markAttached: async (id, key) => {
      calls.push(`attach ${id}`);
      tags[id] = key;
    },
    attachedTo: async (id) => {
      calls.push(`tags ${id}`);
      return tags[id];
    },
    delete: async (id) => {
      calls.push(`delete ${id}`);
    },
  };
  return { store, calls };
}

const body = { kind: 'image' as const, attachmentId: 'a'.repeat(26), name: 'p.png', size: 10, contentType: 'image/png' };

describe('attaching an upload to a message', () => {
  it('marks the sender’s matching upload attached', async () => {
    // Prepare
    const { store, calls } = objectsHolding({ [body.attachmentId]: { size: 10, contentType: 'image/png', uploader: 'ann', attached: false } });
    // Act
    await attachToMessage(store, 'ann', 'c1', body);
    // Assess
    expect(calls).toEqual([`head ${body.attachmentId}`, `attach ${body.attachmentId}`]);
  });

  it('refuses, and marks nothing, for a missing upload, someone else’s, or other size or type', async () => {
    const cases: [Record<string, StoredAttachment>, object][] = [
      [{}, { code: 'BAD_REQUEST', reason: 'attachmentNotUploaded' }],
      [{ [body.attachmentId]: { size: 10, contentType: 'image/png', uploader: 'bob', attached: false } }, { code: 'FORBIDDEN', reason: 'notUploader' }],
      [{ [body.attachmentId]: { size: 10, contentType: 'image/png', uploader: undefined, attached: false } }, { code: 'FORBIDDEN', reason: 'notUploader' }],
      [{ [body.attachmentId]: { size: 11, contentType: 'image/png', uploader: 'ann', attached: false } }, { code: 'BAD_REQUEST', reason: 'attachmentMismatch' }],
      [{ [body.attachmentId]: { size: 10, contentType: 'image/jpeg', uploader: 'ann', attached: false } }, { code: 'BAD_REQUEST', reason: 'attachmentMismatch' }],
    ];
    for (const [held, refusal] of cases) {
      const { store, calls } = objectsHolding(held);
      await expect(attachToMessage(store, 'ann', 'c1', body)).rejects.toMatchObject(refusal);
      expect(calls.filter((call) => call.startsWith('attach'))).toEqual([]);
    }
  });
});

describe('an attachment belongs to one message', () => {
  it('accepts a retry of the same send and refuses another message naming an attached upload', async () => {
    const held = { [body.attachmentId]: { size: 10, contentType: 'image/png', uploader: 'ann', attached: true } };
    const { store, calls } = objectsHolding(held, { [body.attachmentId]: messageKeyOf('ann', 'c1') });
    await attachToMessage(store, 'ann', 'c1', body);
    await expect(attachToMessage(store, 'ann', 'c2', body)).rejects.toMatchObject({ code: 'BAD_REQUEST', reason: 'attachmentInUse' });
    expect(calls.filter((call) => call.startsWith('attach'))).toEqual([`attach ${body.attachmentId}`]);
  });

  it('tells senders apart even when a clientMsgId is shared', () => {
    expect(messageKeyOf('ann', 'c1')).not.toBe(messageKeyOf('bob', 'c1'));
    expect(messageKeyOf('ann', 'c1')).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('deleting the attachment of a message (recall)', () => {
  it('deletes the object of an attachment body and ignores other bodies', async () => {
    const { store, calls } = objectsHolding({});
    expect(await deleteAttachmentOf(store, body)).toBe(true);
    expect(await deleteAttachmentOf(store, { kind: 'text', text: 'hi' })).toBe(false);
    expect(calls).toEqual([`delete ${body.attachmentId}`]);
  });
});
