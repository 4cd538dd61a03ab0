/**
 * Spool framing: [u32 length][u32 crc32 of payload][payload], little endian. A crash mid-append
 * leaves a frame whose length runs past the file end: the reader stops there instead of returning
 * garbage. A frame damaged in the middle (a flipped bit on disk) is skipped: nextFrame finds where
 * the next intact frame starts, so one bad frame costs one entry, not the rest of its segment.
 */
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 8;
/** No sample comes near this; a larger length field means the header itself is damaged. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new Error(`spool entry of ${payload.length} bytes is over the ${MAX_PAYLOAD_BYTES}-byte limit`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

export type FrameResult = { readonly payload: Buffer; readonly end: number } | { readonly damaged: string } | undefined;

/** The frame starting at `offset` of `buffer`: its payload, a reason it is damaged, or undefined at the end. */
export function decodeFrame(buffer: Buffer, offset: number): FrameResult {
  if (offset >= buffer.length) return undefined;
  if (buffer.length - offset < FRAME_HEADER_BYTES) return { damaged: `${buffer.length - offset} bytes of a frame header` };
  const length = buffer.readUInt32LE(offset);
  if (length > MAX_PAYLOAD_BYTES) return { damaged: `frame length ${length} over the ${MAX_PAYLOAD_BYTES}-byte limit` };
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > buffer.length) return { damaged: `frame of ${length} bytes cut off after ${buffer.length - offset - FRAME_HEADER_BYTES}` };
  const payload = buffer.subarray(offset + FRAME_HEADER_BYTES, end);
  if (crc32(payload) !== buffer.readUInt32LE(offset + 4)) return { damaged: 'checksum mismatch' };
  return { payload, end };
}

export type ScannedFrame =
  | { readonly payload: Buffer; readonly end: number }
  /** A damaged frame followed by intact ones: `end` is where the next intact frame starts. */
  | { readonly damaged: string; readonly end: number }
  /** A damaged frame with nothing intact after it (a torn last write): the rest is to be cut. */
  | { readonly damaged: string; readonly torn: true }
  | undefined;

/** The frame at `offset`, or the damaged region there and where the next intact frame starts. */
export function nextFrame(buffer: Buffer, offset: number): ScannedFrame {
  const frame = decodeFrame(buffer, offset);
  if (!frame || 'payload' in frame) return frame;
  const next = resync(buffer, offset);
  return next === undefined ? { damaged: frame.damaged, torn: true } : { damaged: frame.damaged, end: next };
}

/**
 * Where the next intact frame after a damaged one at `offset` starts: where its own length says
 * (when an intact frame or the end is there), else the first offset holding a frame whose
 * checksum matches (a non-empty payload: eight zero bytes would pass as an empty frame).
 * Undefined when no intact frame follows.
 */
function resync(buffer: Buffer, offset: number): number | undefined {
  const intactAt = (at: number): boolean => {
    const frame = decodeFrame(buffer, at);
    return frame !== undefined && 'payload' in frame && frame.payload.length > 0;
  };
  if (buffer.length - offset >= FRAME_HEADER_BYTES) {
    const byLength = offset + FRAME_HEADER_BYTES + buffer.readUInt32LE(offset);
    if (byLength === buffer.length && buffer.readUInt32LE(offset) <= MAX_PAYLOAD_BYTES) return byLength;
    if (byLength < buffer.length && intactAt(byLength)) return byLength;
  }
  for (let at = offset + 1; at + FRAME_HEADER_BYTES < buffer.length; at++) if (intactAt(at)) return at;
  return undefined;
}
