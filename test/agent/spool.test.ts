/** The durable spool on a real directory: order, acknowledgement, restart, torn writes, the size bound. */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../agent/spool/frame.js';
import { Spool } from '../../agent/spool/spool.js';
import type { Logger } from '../../agent/log.js';

const entry = (i: number, size = 100): Buffer => Buffer.from(JSON.stringify({ seq: i, pad: 'x'.repeat(size) }));
const seqOf = (b: Buffer): number => (JSON.parse(b.toString()) as { seq: number }).seq;

function recordingLog(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const newDir = (): string => mkdtempSync(join(tmpdir(), 'vigil-spool-'));

const run = promisify(execFile);
const APPENDER = join(import.meta.dirname, 'fixtures', 'spool-append.ts');

/** Appends `count` entries in a child process (under a file-size limit of `limitKiB` when given): what the spool accepted and refused. */
async function appendInChild(dir: string, count: number, limitKiB?: number): Promise<{ accepted: number[]; refused: { seq: number; error: string }[] }> {
  const node = `exec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(APPENDER)} ${JSON.stringify(dir)} ${count}`;
  const { stdout } = await run('bash', ['-c', limitKiB === undefined ? node : `ulimit -f ${limitKiB} && ${node}`]);
  return JSON.parse(stdout) as { accepted: number[]; refused: { seq: number; error: string }[] };
}

describe('Spool', () => {
  it('a short write (the file system full) is detected and cut off: every entry it accepted stays readable, the refused ones are reported', async () => {
    const dir = join(newDir(), 'spool');
    // 3 KiB per file: the write that crosses it is short, without an error.
    const full = await appendInChild(dir, 30, 3);
    expect(full.refused.length).toBeGreaterThan(0);
    expect(full.refused[0]!.error).toMatch(/short write: \d+ of \d+ bytes reached the file/);
    // Space again: the entries appended next follow the ones accepted before.
    const later = await appendInChild(dir, 5);
    const spool = Spool.open({ dir, maxBytes: 1024 * 1024 });
    expect(spool.read(1000).entries.map(seqOf)).toEqual([...full.accepted, ...later.accepted]);
    expect(spool.stats().damaged).toBe(0);
  });

  it('a state file replaced on a full file system is left as it was, never replaced by a torn copy', async () => {
    const path = join(newDir(), 'cursor.json');
    writeFileSync(path, '{"index":7,"offset":0,"dropped":0}');
    const writer = join(import.meta.dirname, 'fixtures', 'atomic-write.ts');
    const { stdout } = await run('bash', [
      '-c',
      `ulimit -f 3 && exec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(writer)} ${JSON.stringify(path)} 8000`,
    ]);
    expect(stdout).toMatch(/^error: (short write to .*cursor\.json\.tmp-\d+|EFBIG)/);
    expect(readFileSync(path, 'utf8')).toBe('{"index":7,"offset":0,"dropped":0}');
    expect(readdirSync(join(path, '..'))).toEqual(['cursor.json']);
  });

  it('skips a damaged entry in the middle of a segment and counts it; every other entry is read', () => {
    const dir = newDir();
    const spool = Spool.open({ dir, maxBytes: 1024 * 1024 });
    for (let i = 0; i < 100; i++) spool.append(entry(i));
    spool.close();
    const segment = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.seg'))!,
    );
    const bytes = readFileSync(segment);
    const startOf = (n: number): number => Array.from({ length: n }, (_, k) => encodeFrame(entry(k)).length).reduce((a, b) => a + b, 0);
    bytes[startOf(11) + 20]! ^= 0x01; // a payload byte of frame 11
    bytes[startOf(50) + 1]! ^= 0x40; // the length field of frame 50
    writeFileSync(segment, bytes);
    const log = recordingLog();
    const reopened = Spool.open({ dir, maxBytes: 1024 * 1024, log });
    const seqs = reopened.read(1000).entries.map(seqOf);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i).filter((i) => i !== 11 && i !== 50));
    expect(reopened.stats().damaged).toBe(2);
    expect(log.lines.filter((l) => l.level === 'warn' && /damaged entry skipped/.test(l.message))).toHaveLength(2);
    // Numbering holds: new entries come after, and acknowledging moves past the damaged ones.
    reopened.append(entry(100));
    reopened.ack(reopened.read(1000).next);
    expect(reopened.stats().pending).toBe(0);
  });

  it('reads entries back in append order and moves on only when acknowledged', () => {
    const spool = Spool.open({ dir: newDir(), maxBytes: 1024 * 1024 });
    for (let i = 0; i < 10; i++) spool.append(entry(i));
    const a = spool.read(4);
    expect(a.entries.map(seqOf)).toEqual([0, 1, 2, 3]);
    expect(a.first).toBe(0);
    expect(spool.read(4).entries.map(seqOf)).toEqual([0, 1, 2, 3]); // not acknowledged: same again
    spool.ack(a.next);
    const b = spool.read(100);
    expect(b.entries.map(seqOf)).toEqual([4, 5, 6, 7, 8, 9]);
    spool.ack(b.next);
    expect(spool.read(100).entries).toEqual([]);
    expect(spool.stats().pending).toBe(0);
  });

  it('replays what was not acknowledged after a restart, across segments', () => {
    const dir = newDir();
    const spool = Spool.open({ dir, maxBytes: 1024 * 1024, segmentBytes: 4096 });
    for (let i = 0; i < 100; i++) spool.append(entry(i));
    spool.ack(spool.read(30).next);
    spool.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBeGreaterThan(1);
    const reopened = Spool.open({ dir, maxBytes: 1024 * 1024, segmentBytes: 4096 });
    expect(reopened.stats().pending).toBe(70);
    const rest = reopened.read(1000);
    expect(rest.entries.map(seqOf)).toEqual(Array.from({ length: 70 }, (_, i) => i + 30));
    reopened.append(entry(100));
    expect(reopened.read(1000).entries.map(seqOf).at(-1)).toBe(100);
    expect(seqOf(reopened.last()!)).toBe(100);
  });

  it('removes segments once everything in them is acknowledged', () => {
    const dir = newDir();
    const spool = Spool.open({ dir, maxBytes: 1024 * 1024, segmentBytes: 4096 });
    for (let i = 0; i < 200; i++) spool.append(entry(i));
    const before = spool.stats().segments;
    spool.ack(spool.read(1000).next);
    expect(before).toBeGreaterThan(3);
    expect(spool.stats().segments).toBe(1);
  });

  it('detects a torn last write, cuts it off with a log line and keeps every whole entry', () => {
    const dir = newDir();
    const spool = Spool.open({ dir, maxBytes: 1024 * 1024 });
    for (let i = 0; i < 5; i++) spool.append(entry(i));
    spool.close();
    const segment = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.seg'))!,
    );
    const whole = statSync(segment).size;
    appendFileSync(segment, encodeFrame(entry(5)).subarray(0, 50)); // a crash in the middle of an append
    const log = recordingLog();
    const reopened = Spool.open({ dir, maxBytes: 1024 * 1024, log });
    expect(reopened.read(100).entries.map(seqOf)).toEqual([0, 1, 2, 3, 4]);
    expect(statSync(segment).size).toBe(whole);
    expect(log.lines.some((l) => l.level === 'warn' && /torn write/.test(l.message))).toBe(true);
    reopened.append(entry(5));
    expect(reopened.read(100).entries.map(seqOf)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('detects a damaged checksum in the last entry', () => {
    const dir = newDir();
    const spool = Spool.open({ dir, maxBytes: 1024 * 1024 });
    for (let i = 0; i < 3; i++) spool.append(entry(i));
    spool.close();
    const segment = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.seg'))!,
    );
    truncateSync(segment, statSync(segment).size - 1);
    appendFileSync(segment, Buffer.from('!'));
    const log = recordingLog();
    expect(
      Spool.open({ dir, maxBytes: 1024 * 1024, log })
        .read(100)
        .entries.map(seqOf),
    ).toEqual([0, 1]);
    expect(log.lines.map((l) => l.fields?.reason)).toContain('checksum mismatch');
  });

  it('when full, drops the oldest unsent entries, counts them, and keeps the newest', () => {
    const dir = newDir();
    const log = recordingLog();
    const spool = Spool.open({ dir, maxBytes: 32 * 1024, log }); // segments of 4 KiB
    const total = 300;
    for (let i = 0; i < total; i++) spool.append(entry(i));
    const { dropped, pending, bytes } = spool.stats();
    expect(dropped).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(32 * 1024);
    expect(dropped + pending).toBe(total);
    const kept = spool.read(10_000).entries.map(seqOf);
    expect(kept).toEqual(Array.from({ length: pending }, (_, i) => dropped + i));
    expect(log.lines.some((l) => /spool full/.test(l.message))).toBe(true);
    spool.close();
    expect(Spool.open({ dir, maxBytes: 32 * 1024 }).stats().dropped).toBe(dropped); // the count survives a restart
  });

  it('acknowledging entries the bound already dropped does not move the cursor back', () => {
    const spool = Spool.open({ dir: newDir(), maxBytes: 16 * 1024 });
    spool.append(entry(0));
    const stale = spool.read(1);
    for (let i = 1; i < 200; i++) spool.append(entry(i));
    const cursor = spool.cursor();
    expect(cursor.index).toBeGreaterThan(1);
    spool.ack(stale.next);
    expect(spool.cursor()).toEqual(cursor);
  });

  it('a damaged cursor file replays from the oldest entry instead of failing', () => {
    const dir = newDir();
    const spool = Spool.open({ dir, maxBytes: 1024 * 1024 });
    for (let i = 0; i < 3; i++) spool.append(entry(i));
    spool.ack(spool.read(1).next);
    spool.close();
    writeFileSync(join(dir, 'cursor.json'), '{"ind');
    const log = recordingLog();
    expect(
      Spool.open({ dir, maxBytes: 1024 * 1024, log })
        .read(10)
        .entries.map(seqOf),
    ).toEqual([0, 1, 2]);
    expect(log.lines.some((l) => /cursor file/.test(l.message))).toBe(true);
  });

  it("one agent per spool directory: a second opener is refused naming the owner; a dead owner's lock is taken over", () => {
    const dir = newDir();
    writeFileSync(join(dir, 'lock'), String(process.ppid)); // a live process that is not this one
    expect(() => Spool.open({ dir, maxBytes: 1024 * 1024 })).toThrow(new RegExp(`in use by another agent \\(pid ${process.ppid}\\)`));
    writeFileSync(join(dir, 'lock'), '999999999'); // no such process: left behind by a crash
    const spool = Spool.open({ dir, maxBytes: 1024 * 1024 });
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(String(process.pid));
    spool.close();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('refuses a size too small to hold two segments, naming the size', () => {
    expect(() => Spool.open({ dir: newDir(), maxBytes: 1000 })).toThrow(/1000 bytes is too small/);
  });
});
