import { describe, expect, it } from 'vitest';
import { attachToMessage, messageKeyOf } from '../../../functions/attachments/attach.js';
import { deleteAttachmentOf } from '../../../functions/attachments/delete-attachment.js';
import { confirmAttached } from '../../../functions/attachments/confirm-attached.js';
import type { AttachmentObjects, StoredAttachment } from '../../../functions/attachments/object-store.js';
import type { Storage } from '../../../functions/storage/storage.js';

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
    markSending: async (id, key) => {
      calls.push(`sending ${id}`);
      tags[id] = key;
    },
    markAttached: async (id, key) => {
      calls.push(`attached ${id}`);
      tags[id] = key;
      return true;
    },
    delete: async (id) => {
      calls.push(`delete ${id}`);
    },
  };
  return { store, calls };
}

const body = { kind: 'image' as const, attachmentId: 'a'.repeat(26), name: 'p.png', size: 10, contentType: 'image/png' };

/** The claim write comes only after every check passed: a refusal never reaches the table. */
const untouchedStorage = new Proxy({} as Storage, {
  get: () => {
    throw new Error('a refused attachment must not reach storage');
  },
});
const attachDeps = (objects: AttachmentObjects) => ({ objects, storage: untouchedStorage, clock: () => 1 });

describe('attaching an upload to a message', () => {
  it('refuses, and claims and marks nothing, for a missing upload, someone else’s, or other size or type', async () => {
    const cases: [Record<string, StoredAttachment>, object][] = [
      [{}, { code: 'BAD_REQUEST', reason: 'attachmentNotUploaded' }],
      [{ [body.attachmentId]: { size: 10, contentType: 'image/png', uploader: 'bob' } }, { code: 'FORBIDDEN', reason: 'notUploader' }],
      [{ [body.attachmentId]: { size: 10, contentType: 'image/png', uploader: undefined } }, { code: 'FORBIDDEN', reason: 'notUploader' }],
      [{ [body.attachmentId]: { size: 11, contentType: 'image/png', uploader: 'ann' } }, { code: 'BAD_REQUEST', reason: 'attachmentMismatch' }],
      [{ [body.attachmentId]: { size: 10, contentType: 'image/jpeg', uploader: 'ann' } }, { code: 'BAD_REQUEST', reason: 'attachmentMismatch' }],
    ];
    for (const [held, refusal] of cases) {
      const { store, calls } = objectsHolding(held);
      await expect(attachToMessage(attachDeps(store), 'ann', 'c1', body)).rejects.toMatchObject(refusal);
      expect(calls).toEqual([`head ${body.attachmentId}`]);
    }
  });

  it('tells senders apart even when a clientMsgId is shared', () => {
    expect(messageKeyOf('ann', 'c1')).not.toBe(messageKeyOf('bob', 'c1'));
    expect(messageKeyOf('ann', 'c1')).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('confirming a stored message’s attachment (Conversations stream)', () => {
  it('tags the upload of a stored attachment message attached, under its message key, and nothing else', async () => {
    // Prepare
    const { store, calls } = objectsHolding({});
    const stored = { conversationId: 'dm:ann:bob', cseq: 3, msgId: 'm3', from: 'ann', clientMsgId: 'c1', ts: 1, body };
    // Act
    const outcome = await confirmAttached(store, stored);
    // Assess
    expect(outcome).toBe('attached');
    expect(calls).toEqual([`attached ${body.attachmentId}`]);
    expect(await confirmAttached(store, { ...stored, body: { kind: 'text', text: 'hi' } })).toBe('none');
    expect(await confirmAttached(store, { conversationId: 'g:abcdefgh', cseq: -2, target: 3, version: 2, ts: 1 })).toBe('none');
    expect(await confirmAttached(store, { conversationId: 'g:abcdefgh', cseq: 0, title: 'x' })).toBe('none');
    expect(calls).toHaveLength(1);
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
