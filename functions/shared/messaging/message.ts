import * as z from 'zod';

/** Body of a message (PROTOCOL.md): plain text, or a typed custom payload of at most 16 KB of JSON. */
export type Body = { kind: 'text'; text: string } | { kind: 'custom'; type: string; payload: unknown };

export const MAX_TEXT_CHARS = 4000;
export const MAX_CUSTOM_PAYLOAD_BYTES = 16 * 1024;

export const bodySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('text'), text: z.string().min(1).max(MAX_TEXT_CHARS) }),
  z.strictObject({
    kind: z.literal('custom'),
    type: z.string().min(1).max(64),
    payload: z.json().refine(
      (payload) => Buffer.byteLength(JSON.stringify(payload) ?? '', 'utf8') <= MAX_CUSTOM_PAYLOAD_BYTES,
      `payload must be at most ${MAX_CUSTOM_PAYLOAD_BYTES} bytes of JSON`,
    ),
  }),
]);

/** A message as clients see it. */
export interface Message {
  msgId: string;
  conversationId: string;
  conversationSeq: number;
  from: string;
  body: Body;
  ts: number;
  clientMsgId: string;
}

/** An entry of a user's timeline (PROTOCOL.md TimelineItem). */
export interface TimelineItem {
  seq: number;
  type: 'message' | 'system' | 'void';
  message?: Message;
  system?: Record<string, unknown>;
}
