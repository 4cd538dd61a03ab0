/**
 * Spool framing: [u32 length][u32 crc32 of payload][payload], little endian. A crash mid-append
 * leaves a frame whose length runs past the file end or whose checksum fails: the reader stops
 * there instead of returning garbage.
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
