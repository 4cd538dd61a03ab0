/**
 * Reading a Prometheus remote write 1.0 request back (remote-write-codec.ts writes them), with
 * protobufjs and snappyjs: for tests and local tools. The scoring function never reads a request,
 * so its bundle leaves both packages out (about 10 ms less module import at cold start).
 * The message definition is the subset of prometheus/prompb that remote write 1.0 needs.
 */
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import type { Series } from '../../core/alert-series.js';

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: {
          fields: {
            timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 },
            metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 },
          },
        },
        MetricMetadata: {
          fields: {
            type: { type: 'int32', id: 1 },
            metric_family_name: { type: 'string', id: 2 },
            help: { type: 'string', id: 4 },
            unit: { type: 'string', id: 5 },
          },
        },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});
const WriteRequest = root.lookupType('prometheus.WriteRequest');

/** The series of a snappy-compressed WriteRequest, one entry a point. */
export function decodeWriteRequest(body: Uint8Array): Series[] {
  const message = WriteRequest.toObject(WriteRequest.decode(snappy.uncompress(body)), { longs: Number }) as {
    timeseries?: { labels?: { name: string; value: string }[]; samples?: { value?: number; timestamp?: number }[] }[];
  };
  return (message.timeseries ?? []).flatMap((ts) => {
    const labels = Object.fromEntries((ts.labels ?? []).map((l) => [l.name, l.value]));
    return (ts.samples ?? []).map((s) => ({ labels, value: s.value ?? 0, timestamp: s.timestamp ?? 0 }));
  });
}

/** The HELP and TYPE metadata of a snappy-compressed WriteRequest: series name, type (2 = gauge) and help. */
export function decodeWriteMetadata(body: Uint8Array): { readonly name: string; readonly type: number; readonly help: string }[] {
  const message = WriteRequest.toObject(WriteRequest.decode(snappy.uncompress(body))) as {
    metadata?: { type?: number; metric_family_name?: string; help?: string }[];
  };
  return (message.metadata ?? []).map((m) => ({ name: m.metric_family_name ?? '', type: m.type ?? 0, help: m.help ?? '' }));
}
