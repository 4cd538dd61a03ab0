/** Every record in a Kinesis stream, shard by shard from the oldest: for tests and benchmarks that check what arrived. */
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';

export async function readStreamRecords(kinesis: KinesisClient, stream: string): Promise<_Record[]> {
  const records: _Record[] = [];
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  for (const shard of shards.Shards ?? []) {
    let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' })))
      .ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      if (!page.Records?.length) break;
      records.push(...page.Records);
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
