/**
 * Which offset each partition may commit: the first record of the batch not yet durably
 * accepted (or dead-lettered), so a commit never passes a record that could still be lost.
 */
import type { KafkaRecord, PartitionOffset } from "./kafka-source.ts";

interface PartitionProgress {
  topic: string;
  partition: number;
  offsets: number[];
  done: Set<number>;
}

export class CommitTracker {
  readonly #partitions = new Map<string, PartitionProgress>();

  constructor(records: readonly KafkaRecord[]) {
    for (const record of records) {
      const key = `${record.topic}\u0000${record.partition}`;
      let progress = this.#partitions.get(key);
      if (!progress) {
        progress = { topic: record.topic, partition: record.partition, offsets: [], done: new Set() };
        this.#partitions.set(key, progress);
      }
      progress.offsets.push(record.offset);
    }
    for (const progress of this.#partitions.values()) progress.offsets.sort((a, b) => a - b);
  }

  done(record: KafkaRecord): void {
    this.#partitions.get(`${record.topic}\u0000${record.partition}`)?.done.add(record.offset);
  }

  /** Per partition, the offset of the next record to read once every record before it is done. */
  commitPoints(): PartitionOffset[] {
    const points: PartitionOffset[] = [];
    for (const { topic, partition, offsets, done } of this.#partitions.values()) {
      const pending = offsets.findIndex((offset) => !done.has(offset));
      if (pending === 0) continue;
      const offset = pending === -1 ? offsets[offsets.length - 1]! + 1 : offsets[pending]!;
      points.push({ topic, partition, offset });
    }
    return points;
  }
}
