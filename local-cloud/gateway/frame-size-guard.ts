import type { Duplex } from 'node:stream';

/**
 * Watches the raw bytes a client sends and reports the first data frame whose payload is larger
 * than `maxFrameBytes`. `ws` only limits whole messages (`maxPayload`), while API Gateway also
 * limits each frame (32 KB), so a client that sends a 100 KB message in one frame is closed in
 * AWS but not by `ws` alone. Only frame headers are parsed; payloads are skipped. Without
 * permessage-deflate (API Gateway negotiates none, nor does the emulator) the payload length
 * on the wire is the frame size.
 */
export function watchFrameSizes(socket: Duplex, maxFrameBytes: number, onOversize: (payloadLength: number) => void): () => void {
  let header = Buffer.alloc(0);
  let skip = 0;
  let stopped = false;

  const onData = (chunk: Buffer): void => {
    let offset = 0;
    while (!stopped && offset < chunk.length) {
      if (skip > 0) {
        const step = Math.min(skip, chunk.length - offset);
        skip -= step;
        offset += step;
        continue;
      }
      const need = headerLength(header);
      const take = Math.min(need - header.length, chunk.length - offset);
      header = Buffer.concat([header, chunk.subarray(offset, offset + take)]);
      offset += take;
      if (header.length < headerLength(header)) continue;

      const opcode = (header[0] ?? 0) & 0x0f;
      const payloadLength = readPayloadLength(header);
      header = Buffer.alloc(0);
      // Control frames (close, ping, pong) are at most 125 bytes and carry no message data.
      if (opcode < 0x08 && payloadLength > maxFrameBytes) {
        stop();
        onOversize(payloadLength);
        return;
      }
      skip = payloadLength;
    }
  };

  const stop = (): void => {
    stopped = true;
    socket.off('data', onData);
  };
  // Ahead of ws's own listener, so an oversized frame is caught before ws delivers its message.
  socket.prependListener('data', onData);
  return stop;
}

/** Bytes of the frame header, as far as the bytes seen so far tell. */
function headerLength(header: Buffer): number {
  if (header.length < 2) return 2;
  const second = header[1] ?? 0;
  const lengthCode = second & 0x7f;
  const extended = lengthCode === 126 ? 2 : lengthCode === 127 ? 8 : 0;
  const mask = second & 0x80 ? 4 : 0;
  return 2 + extended + mask;
}

function readPayloadLength(header: Buffer): number {
  const lengthCode = (header[1] ?? 0) & 0x7f;
  if (lengthCode === 126) return header.readUInt16BE(2);
  if (lengthCode === 127) return Number(header.readBigUInt64BE(2));
  return lengthCode;
}
