/**
 * The durable spool: every sample is appended here (and fsync'd) before it counts as accepted; the
 * sender reads from the cursor, and moves the cursor only after Kinesis took the samples. After an
 * outage or a crash the spool replays from the cursor, in order.
 *
 * Layout in `dir`: segment files `<index of first entry, 16 digits>.seg` holding framed entries
 * (frame.ts), and `cursor.json` = { index, offset, dropped }: the next entry to send, its byte
 * offset in its segment, and how many entries were ever dropped because the spool was full.
 * The size bound drops whole segments, oldest first, and counts the unsent entries they held.
 */
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile, syncDirectory, writeFileAtomic } from '../durable-file.js';
import { silentLogger, type Logger } from '../log.js';
import { encodeFrame, nextFrame } from './frame.js';
import { acquireSpoolLock } from './lock.js';

export interface SpoolOptions {
  readonly dir: string;
  /** Bound on the segment files together; when over it, the oldest segment is dropped. */
  readonly maxBytes: number;
  /** Size at which a new segment starts (default 4 MiB, at most maxBytes / 8): the granularity of drops. */
  readonly segmentBytes?: number;
  readonly log?: Logger;
}

/** Where the sender is: the next entry to send and its byte offset in its segment. */
export interface SpoolCursor {
  readonly index: number;
  readonly offset: number;
}

export interface SpoolBatch {
  /** Index of the first entry. */
  readonly first: number;
  readonly entries: Buffer[];
  /** The cursor after these entries: pass it to ack() once they are delivered. */
  readonly next: SpoolCursor;
}

export interface SpoolStats {
  /** Entries appended and not yet acknowledged. */
  readonly pending: number;
  readonly bytes: number;
  readonly segments: number;
  /** Entries dropped because the spool was full, since it was created. */
  readonly dropped: number;
  /** Damaged entries (a bad checksum) skipped by the reader since this process opened the spool. */
  readonly damaged: number;
}

/** An append that did not reach the disk whole (a short or failed write, a failed sync): the entry is not in the spool. */
export class SpoolWriteError extends Error {
  override readonly name = 'SpoolWriteError';
}

interface Segment {
  readonly first: number;
  count: number;
  bytes: number;
  readonly path: string;
}

const MIN_SEGMENT_BYTES = 4096;
const DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024;

export class Spool {
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly log: Logger;
  private readonly segments: Segment[] = [];
  private position: SpoolCursor = { index: 0, offset: 0 };
  private dropped = 0;
  private damaged = 0;
  /** The active segment may end in a partial frame that could not be cut off: the next append starts a new segment. */
  private torn = false;
  private fd: number | undefined;
  private releaseLock: (() => void) | undefined;

  private constructor(options: SpoolOptions) {
    if (!(options.maxBytes >= 2 * MIN_SEGMENT_BYTES))
      throw new Error(`spool size ${options.maxBytes} bytes is too small: give at least ${2 * MIN_SEGMENT_BYTES} bytes`);
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
    this.segmentBytes = Math.max(MIN_SEGMENT_BYTES, Math.min(options.segmentBytes ?? DEFAULT_SEGMENT_BYTES, Math.floor(options.maxBytes / 8)));
    this.log = options.log ?? silentLogger;
  }

  /** Opens (or creates) the spool in `dir`, repairing a torn last write. */
  static open(options: SpoolOptions): Spool {
    const spool = new Spool(options);
    spool.load();
    return spool;
  }

  /**
   * Appends one entry and makes it durable before returning. A write that is short (a full file
   * system can take part of a frame without an error) or fails, or a sync that fails, throws
   * SpoolWriteError after cutting the partial frame off again: the entry is not in the spool, and
   * every entry before it stays readable.
   */
  append(payload: Uint8Array): void {
    const frame = encodeFrame(payload);
    let active = this.segments.at(-1)!;
    if (this.torn || (active.count > 0 && active.bytes + frame.length > this.segmentBytes)) {
      active = this.startSegment(active.first + active.count);
      this.torn = false;
    }
    let written = 0;
    try {
      written = writeSync(this.fd!, frame);
      if (written !== frame.length) throw new Error(`short write: ${written} of ${frame.length} bytes reached the file (file system full?)`);
      fdatasyncSync(this.fd!);
    } catch (error) {
      try {
        ftruncateSync(this.fd!, active.bytes);
      } catch {
        this.torn = true;
      }
      throw new SpoolWriteError(`spool append to ${active.path} failed: ${(error as Error).message}; the entry is not spooled`, { cause: error });
    }
    active.count++;
    active.bytes += frame.length;
    this.enforceBound();
  }

  /** Up to `maxEntries` entries (and about `maxBytes`) from the cursor on, in append order. */
  read(maxEntries: number, maxBytes = 4 * 1024 * 1024): SpoolBatch {
    const entries: Buffer[] = [];
    let { index, offset } = this.position;
    let bytes = 0;
    let first: number | undefined;
    for (const segment of this.segments) {
      if (index >= segment.first + segment.count) continue;
      if (index <= segment.first) ({ index, offset } = { index: segment.first, offset: 0 });
      const buffer = readAt(segment.path, offset, segment.bytes - offset);
      let at = 0;
      while (entries.length < maxEntries && index < segment.first + segment.count) {
        const frame = nextFrame(buffer, at);
        if (!frame) break;
        if ('torn' in frame)
          throw new Error(
            `spool segment ${segment.path} is damaged at byte ${offset + at} (${frame.damaged}) although it was intact when opened: is another process writing to ${this.dir}?`,
          );
        if ('damaged' in frame) {
          // One damaged entry: skipped and counted; the entries after it are read.
          this.damaged++;
          this.log.warn('spool: damaged entry skipped (bad checksum); the entries after it are sent', {
            segment: segment.path,
            offset: offset + at,
            reason: frame.damaged,
            damagedTotal: this.damaged,
          });
          at = frame.end;
          index++;
          continue;
        }
        if (entries.length > 0 && bytes + frame.end - at > maxBytes) break;
        first ??= index;
        entries.push(Buffer.from(frame.payload));
        bytes += frame.end - at;
        at = frame.end;
        index++;
      }
      offset += at;
      if (entries.length >= maxEntries || bytes >= maxBytes || index < segment.first + segment.count) break;
    }
    return { first: first ?? index, entries, next: { index, offset } };
  }

  /** Marks everything before `next` delivered; removes segments that hold nothing left to send. */
  ack(next: SpoolCursor): void {
    if (next.index <= this.position.index) return; // the entries were dropped meanwhile: the cursor is already past them
    this.position = next;
    while (this.segments.length > 1 && this.segments[0]!.first + this.segments[0]!.count <= next.index) this.removeOldest();
    this.saveCursor();
  }

  /** The next entry to send. */
  cursor(): SpoolCursor {
    return this.position;
  }

  stats(): SpoolStats {
    let pending = 0;
    let bytes = 0;
    for (const s of this.segments) {
      pending += Math.max(0, s.first + s.count - Math.max(this.position.index, s.first));
      bytes += s.bytes;
    }
    return { pending, bytes, segments: this.segments.length, dropped: this.dropped, damaged: this.damaged };
  }

  /** The newest entry, acknowledged or not (the agent recovers its sequence number from it). */
  last(): Buffer | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i]!;
      if (segment.count === 0) continue;
      const buffer = readAt(segment.path, 0, segment.bytes);
      let at = 0;
      let payload: Buffer | undefined;
      for (let frame = nextFrame(buffer, at); frame && !('torn' in frame); frame = nextFrame(buffer, at)) {
        if ('payload' in frame) payload = frame.payload;
        at = frame.end;
      }
      return payload && Buffer.from(payload);
    }
    return undefined;
  }

  /** Closes the segment and releases the directory for the next agent. */
  close(): void {
    this.closeSegment();
    this.releaseLock?.();
    this.releaseLock = undefined;
  }

  private closeSegment(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private load(): void {
    mkdirSync(this.dir, { recursive: true });
    this.releaseLock = acquireSpoolLock(this.dir);
    const names = readdirSync(this.dir)
      .filter((name) => /^\d{16}\.seg$/.test(name))
      .sort();
    for (const name of names) this.segments.push(this.scan({ first: Number(name.slice(0, 16)), count: 0, bytes: 0, path: join(this.dir, name) }));
    const saved = readCursor(join(this.dir, 'cursor.json'), this.log);
    this.dropped = saved?.dropped ?? 0;
    const first = this.segments[0];
    if (!first) {
      // Empty spool: numbering continues from the cursor, so an index is never reused.
      this.position = { index: saved?.index ?? 0, offset: 0 };
      this.startSegment(this.position.index);
      return;
    }
    this.position = this.validCursor(saved);
    const active = this.segments.at(-1)!;
    this.fd = openSync(active.path, 'a');
    this.enforceBound();
  }

  /**
   * Counts a segment's entries; a damaged entry followed by intact ones counts as one entry (the
   * reader skips it); a torn or damaged tail is cut off (logged, never fatal).
   */
  private scan(segment: Segment): Segment {
    const fd = openSync(segment.path, 'r+');
    try {
      const size = fstatSync(fd).size;
      const buffer = Buffer.allocUnsafe(size);
      const got = size > 0 ? readSync(fd, buffer, 0, size, 0) : 0;
      let at = 0;
      for (;;) {
        const frame = nextFrame(buffer.subarray(0, got), at);
        if (!frame) break;
        if ('damaged' in frame && !('torn' in frame)) {
          this.log.warn('spool: damaged entry (bad checksum) in the middle of a segment; it will be skipped, the entries after it are kept', {
            segment: segment.path,
            offset: at,
            reason: frame.damaged,
          });
          segment.count++;
          at = frame.end;
          continue;
        }
        if ('torn' in frame) {
          this.log.warn('spool: damaged entry (torn write from a crash?); cutting it off and continuing', {
            segment: segment.path,
            offset: at,
            bytesCut: got - at,
            reason: frame.damaged,
          });
          ftruncateSync(fd, at);
          fdatasyncSync(fd);
          break;
        }
        segment.count++;
        at = frame.end;
      }
      segment.bytes = at;
    } finally {
      closeSync(fd);
    }
    return segment;
  }

  /** The saved cursor when it still points into the spool, else the first entry still there. */
  private validCursor(saved: SpoolCursor | undefined): SpoolCursor {
    const first = this.segments[0]!;
    if (!saved || saved.index < first.first) return { index: first.first, offset: 0 };
    const holder = this.segments.find((s) => saved.index >= s.first && saved.index < s.first + s.count);
    if (holder && saved.offset <= holder.bytes) return saved;
    const next = this.segments.find((s) => s.first > saved.index);
    if (next) return { index: next.first, offset: 0 };
    // Past everything: all was sent. Point at the end of the active segment.
    const active = this.segments.at(-1)!;
    return { index: active.first + active.count, offset: active.bytes };
  }

  private startSegment(first: number): Segment {
    this.closeSegment();
    const segment: Segment = { first, count: 0, bytes: 0, path: join(this.dir, `${String(first).padStart(16, '0')}.seg`) };
    this.fd = openSync(segment.path, 'a');
    syncDirectory(this.dir);
    this.segments.push(segment);
    return segment;
  }

  private enforceBound(): void {
    let total = this.segments.reduce((sum, s) => sum + s.bytes, 0);
    while (total > this.maxBytes && this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const end = oldest.first + oldest.count;
      const lost = Math.max(0, end - Math.max(this.position.index, oldest.first));
      if (lost > 0) {
        this.dropped += lost;
        this.position = { index: this.segments[1]!.first, offset: 0 };
        this.log.warn('spool full: dropped the oldest unsent samples', { dropped: lost, droppedTotal: this.dropped, maxBytes: this.maxBytes });
      }
      total -= oldest.bytes;
      this.removeOldest();
      this.saveCursor();
    }
  }

  private removeOldest(): void {
    const oldest = this.segments.shift()!;
    unlinkSync(oldest.path);
  }

  private saveCursor(): void {
    writeFileAtomic(join(this.dir, 'cursor.json'), JSON.stringify({ ...this.position, dropped: this.dropped }));
  }
}

function readAt(path: string, offset: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(Math.max(0, length));
  if (length <= 0) return buffer;
  const fd = openSync(path, 'r');
  try {
    const got = readSync(fd, buffer, 0, length, offset);
    return buffer.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function readCursor(path: string, log: Logger): (SpoolCursor & { dropped: number }) | undefined {
  try {
    const value = readJsonFile(path) as { index?: unknown; offset?: unknown; dropped?: unknown } | undefined;
    if (value === undefined) return undefined;
    if ([value.index, value.offset, value.dropped].every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
      return { index: value.index as number, offset: value.offset as number, dropped: value.dropped as number };
    }
    log.warn('spool: cursor file has unexpected content; replaying from the oldest entry (duplicates are harmless: samples keep their identity)', { path });
  } catch (error) {
    log.warn('spool: cursor file unreadable; replaying from the oldest entry (duplicates are harmless: samples keep their identity)', { path, error });
  }
  return undefined;
}
