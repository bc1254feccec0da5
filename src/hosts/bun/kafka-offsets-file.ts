/**
 * The Bun host's CommittedOffsetsStore (src/ingest/kafka/committed-offsets-store.ts): the
 * offsets the Kafka consumer commits, per group, in `DATA_DIR/kafka-offsets.sqlite`.
 *
 * WAL with synchronous=NORMAL: a write survives the process being killed (what the crash test
 * does), not necessarily a power loss; the store only serves the lag view, and after a lost
 * write the view shows a lag until the partition's next record. Writes are one small
 * transaction per commit, on the consumer's thread.
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { CommittedOffsetsStore } from "../../ingest/kafka/committed-offsets-store.ts";

function kafkaOffsetsPath(data_dir: string): string {
  return join(data_dir, "kafka-offsets.sqlite");
}

export function kafkaOffsetsFile(data_dir: string, group: string): CommittedOffsetsStore & { close(): void } {
  const db = new Database(kafkaOffsetsPath(data_dir), { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec(`CREATE TABLE IF NOT EXISTS committed_offsets (
    group_name TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
    PRIMARY KEY (group_name, topic, partition))`);
  const select = db.query<{ topic: string; partition: number; next_offset: number }, [string]>(
    "SELECT topic, partition, next_offset FROM committed_offsets WHERE group_name = ? ORDER BY topic, partition",
  );
  const upsert = db.query(
    "INSERT INTO committed_offsets (group_name, topic, partition, next_offset) VALUES (?, ?, ?, ?) ON CONFLICT (group_name, topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
  );
  const write = db.transaction((offsets: Array<{ topic: string; partition: number; offset: number }>) => {
    for (const { topic, partition, offset } of offsets) upsert.run(group, topic, partition, offset);
  });
  return {
    read: async () => select.all(group).map((row) => ({ topic: row.topic, partition: row.partition, offset: row.next_offset })),
    write: async (offsets) => {
      write(offsets);
    },
    close: () => db.close(),
  };
}
