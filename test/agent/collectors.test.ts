/** Collectors on /proc fixtures generated here: exact rates from known counter pairs. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_METRICS } from '../../core/host-metrics.js';
import { counterIncrease, counterRate } from '../../agent/collectors/counter.js';
import { parseDiskstats } from '../../agent/collectors/disk-io.js';
import { parseMounts } from '../../agent/collectors/disk-space.js';
import { HostCollector } from '../../agent/collectors/host-collector.js';
import { parseMeminfo, memUsedPct, swapUsedPct } from '../../agent/collectors/memory.js';
import { parseNetDev } from '../../agent/collectors/network.js';

interface Reading {
  cpu: [number, number, number, number, number, number, number, number];
  sdaSectors: [number, number];
  eth0: { rx: number; tx: number; rxErrs: number; rxDrop: number; txErrs: number; txDrop: number };
  loRx: number;
}

function writeProc(root: string, r: Reading, mountPath: string): void {
  mkdirSync(join(root, 'net'), { recursive: true });
  const cpuLine = (prefix: string, v: number[]) => `${prefix} ${v.join(' ')} 0 0`;
  writeFileSync(
    join(root, 'stat'),
    [
      cpuLine('cpu ', r.cpu),
      cpuLine(
        'cpu0',
        r.cpu.map((x) => x / 2),
      ),
      cpuLine(
        'cpu1',
        r.cpu.map((x) => x / 2),
      ),
      'intr 1 2 3',
      'ctxt 100',
      '',
    ].join('\n'),
  );
  writeFileSync(join(root, 'loadavg'), '3.00 2.00 1.00 2/345 6789\n');
  writeFileSync(
    join(root, 'meminfo'),
    'MemTotal:       1000000 kB\nMemFree:         100000 kB\nMemAvailable:    250000 kB\nSwapTotal:       200000 kB\nSwapFree:        150000 kB\n',
  );
  const disk = (major: number, minor: number, name: string, read: number, written: number) =>
    `   ${major}       ${minor} ${name} 10 0 ${read} 5 20 0 ${written} 7 0 9 12`;
  writeFileSync(
    join(root, 'diskstats'),
    [
      disk(8, 0, 'sda', ...r.sdaSectors),
      disk(8, 1, 'sda1', r.sdaSectors[0], r.sdaSectors[1]),
      disk(7, 0, 'loop0', 999_999, 999_999),
      disk(253, 0, 'dm-0', 5_000, 5_000),
      '',
    ].join('\n'),
  );
  const e = r.eth0;
  writeFileSync(
    join(root, 'net/dev'),
    [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      `    lo: ${r.loRx} 10 0 0 0 0 0 0 ${r.loRx} 10 0 0 0 0 0 0`,
      `  eth0: ${e.rx} 100 ${e.rxErrs} ${e.rxDrop} 0 0 0 0 ${e.tx} 80 ${e.txErrs} ${e.txDrop} 0 0 0 0`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(root, 'mounts'), `/dev/sda1 ${mountPath.replace(/ /g, '\\040')} ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\ntmpfs /run tmpfs rw 0 0\n`);
}

describe('counters', () => {
  it('a growing counter gives its difference', () => {
    expect(counterIncrease(100, 250)).toBe(150);
    expect(counterRate(100, 250, 10)).toBe(15);
  });
  it('a 32-bit counter that wrapped gives the distance across the wrap', () => {
    expect(counterIncrease(2 ** 32 - 100, 50)).toBe(150);
  });
  it('a 64-bit counter that wrapped gives the distance across the wrap', () => {
    expect(counterIncrease(2 ** 64 - 2 ** 20, 2 ** 20)).toBe(2 ** 21);
  });
  it('a reset counter (value fell, not near a wrap) counts from zero', () => {
    expect(counterIncrease(5_000_000, 1_000)).toBe(1_000);
  });
  it('no time passed gives a zero rate, not Infinity', () => {
    expect(counterRate(1, 2, 0)).toBe(0);
  });
});

describe('parsers', () => {
  it('diskstats keeps whole physical devices only (no partitions, loop or device-mapper)', () => {
    const text = [
      '8 0 sda 1 0 10 0 1 0 20 0 0 0 0',
      '8 1 sda1 1 0 10 0 1 0 20 0 0 0 0',
      '259 0 nvme0n1 1 0 4 0 1 0 2 0 0 0 0',
      '259 1 nvme0n1p1 1 0 4 0 1 0 2 0 0 0 0',
      '7 0 loop0 1 0 4 0 1 0 2 0 0 0 0',
      '253 0 dm-0 1 0 4 0 1 0 2 0 0 0 0',
    ].join('\n');
    expect([...parseDiskstats(text).keys()]).toEqual(['sda', 'nvme0n1']);
    expect(parseDiskstats(text).get('sda')).toEqual({ readBytes: 10 * 512, writtenBytes: 20 * 512 });
  });
  it('net/dev skips loopback and sums errors and drops of both directions', () => {
    const text = 'h1\nh2\n    lo: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n  ens5: 1000 9 1 2 0 0 0 0 2000 8 3 4 0 0 0 0\n';
    expect(Object.fromEntries(parseNetDev(text))).toEqual({ ens5: { rxBytes: 1000, txBytes: 2000, errorsAndDrops: 10 } });
  });
  it('meminfo without MemAvailable (old kernels) estimates it from free + buffers + cache', () => {
    const memory = parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 150 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n');
    expect(memUsedPct(memory)).toBeCloseTo(70, 10);
    expect(swapUsedPct(memory)).toBe(0);
  });
  it('meminfo without MemTotal is an error naming the file', () => {
    expect(() => parseMeminfo('Foo: 1 kB\n')).toThrow(/meminfo.*MemTotal/);
  });
  it('mounts keeps local real filesystems (not pseudo or network ones), one per device, and unescapes paths', () => {
    const text =
      '/dev/sda1 / ext4 rw 0 0\n/dev/sda1 /var/lib/docker ext4 rw 0 0\n/dev/sdb1 /data\\040disk xfs rw 0 0\noverlay /x overlay rw 0 0\nfiler:/home /home nfs4 rw 0 0\n';
    expect(parseMounts(text)).toEqual([
      { device: '/dev/sda1', path: '/' },
      { device: '/dev/sdb1', path: '/data disk' },
    ]);
  });
});

describe('HostCollector on a /proc fixture', () => {
  const first: Reading = {
    cpu: [1000, 0, 500, 8000, 500, 0, 0, 0],
    sdaSectors: [1000, 2000],
    eth0: { rx: 10_000, tx: 20_000, rxErrs: 1, rxDrop: 2, txErrs: 3, txDrop: 4 },
    loRx: 1_000,
  };
  const second: Reading = {
    // +300 user, +100 system, +500 idle, +100 iowait = 1000 jiffies, 400 busy
    cpu: [1300, 0, 600, 8500, 600, 0, 0, 0],
    sdaSectors: [1000 + 20 * 10, 2000 + 40 * 10],
    eth0: { rx: 10_000 + 5_000 * 10, tx: 20_000 + 1_000 * 10, rxErrs: 1 + 3, rxDrop: 2 + 2, txErrs: 3 + 5, txDrop: 4 },
    loRx: 99_999_999,
  };

  function fixture(): { root: string; mount: string } {
    const root = mkdtempSync(join(tmpdir(), 'vigil-proc-'));
    const mount = mkdtempSync(join(tmpdir(), 'vigil mount '));
    return { root, mount };
  }

  it('primes on the first call, then gives exactly HOST_METRICS with rates over the elapsed time', () => {
    const { root, mount } = fixture();
    const collector = new HostCollector({ procRoot: root });
    writeProc(root, first, mount);
    expect(collector.collect(1_000_000)).toBeUndefined();
    writeProc(root, second, mount);
    const sample = collector.collect(1_010_000)!;
    expect(Object.keys(sample.values).sort()).toEqual([...HOST_METRICS].sort());
    expect(sample.t).toBe(1_010_000);
    expect(sample.values.cpu_pct).toBeCloseTo(40, 10);
    expect(sample.values.load1_per_cpu).toBeCloseTo(1.5, 10);
    expect(sample.values.mem_used_pct).toBeCloseTo(75, 10);
    expect(sample.values.swap_used_pct).toBeCloseTo(25, 10);
    expect(sample.values.disk_read_bps).toBeCloseTo(20 * 512, 10);
    expect(sample.values.disk_write_bps).toBeCloseTo(40 * 512, 10);
    expect(sample.values.net_rx_bps).toBeCloseTo(5_000, 10);
    expect(sample.values.net_tx_bps).toBeCloseTo(1_000, 10);
    expect(sample.values.net_errors_ps).toBeCloseTo(1, 10);
    expect(sample.values.disk_used_pct).toBeGreaterThanOrEqual(0);
    expect(sample.values.disk_used_pct).toBeLessThanOrEqual(100);
  });

  it('with detail, adds CPU by mode and per-device and per-interface metrics', () => {
    const { root, mount } = fixture();
    const collector = new HostCollector({ procRoot: root, detail: true });
    writeProc(root, first, mount);
    collector.collect(0);
    writeProc(root, second, mount);
    const values = collector.collect(10_000)!.values;
    expect(values.cpu_user_pct).toBeCloseTo(30, 10);
    expect(values.cpu_iowait_pct).toBeCloseTo(10, 10);
    expect(values.disk_read_bps_sda).toBeCloseTo(20 * 512, 10);
    expect(values.net_rx_bps_eth0).toBeCloseTo(5_000, 10);
    expect(values.disk_used_pct_sda1).toBeTypeOf('number');
    expect(values.load15_per_cpu).toBeCloseTo(0.5, 10);
  });

  it('a counter reset between readings gives a rate from zero, never a negative one', () => {
    const { root, mount } = fixture();
    const collector = new HostCollector({ procRoot: root });
    writeProc(root, second, mount);
    collector.collect(0);
    writeProc(root, { ...first, eth0: { ...first.eth0, rx: 3_000 } }, mount);
    const values = collector.collect(10_000)!.values;
    expect(values.net_rx_bps).toBeCloseTo(300, 10);
    expect(Object.values(values).every((v) => v >= 0)).toBe(true);
  });

  it('a missing /proc/stat is an error naming the path and the fix', () => {
    const collector = new HostCollector({ procRoot: join(tmpdir(), 'no-such-proc') });
    expect(() => collector.collect()).toThrow(/no-such-proc\/stat.*procRoot/);
  });
});
