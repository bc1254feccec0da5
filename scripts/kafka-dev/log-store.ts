/**
 * The dev broker's durable log: one append-only file of JSON lines per topic partition and one
 * file of committed offsets per consumer group, under the data folder. Every produce is
 * fsynced before it is answered, and a committed offset is written to a temporary file,
 * fsynced and renamed, so a crash of the broker loses nothing it acknowledged. Everything is
 * also kept in memory: this is a development tool for thousands of records, not a product.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import { partitionForKey } from "./murmur2.ts";

export interface RecordHeader {
  key: string;
  value: string;
}

export interface StoredRecord {
  offset: number;
  /** Unix ms. */
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

export interface AppendInput {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  /** An explicit partition; else by key hash, or round robin for records without a key. */
  partition?: number;
  timestamp?: number;
}

export interface Appended {
  partition: number;
  offset: number;
  timestamp: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Kafka's legal topic names. */
export const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

interface Partition {
  records: StoredRecord[];
  descriptor: number;
}

interface StoredLine {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: RecordHeader[];
}

export class PartitionNotFound extends Error {}

export class LogStore {
  readonly #topics = new Map<string, Partition[]>();
  readonly #committed = new Map<string, Map<string, number>>();
  readonly #listeners = new Set<() => void>();
  #round_robin = 0;

  constructor(
    readonly data_dir: string,
    readonly partitions_default: number,
    private readonly now: () => number,
  ) {
    mkdirSync(join(data_dir, "topics"), { recursive: true });
    mkdirSync(join(data_dir, "groups"), { recursive: true });
    this.#load();
  }

  topicNames(): string[] {
    return [...this.#topics.keys()].sort();
  }

  partitionCount(topic: string): number | undefined {
    return this.#topics.get(topic)?.length;
  }

  /** Appends and fsyncs; creates the topic on its first produce. */
  append(topic: string, inputs: AppendInput[]): Appended[] {
    const partitions = this.#topics.get(topic) ?? this.#createTopic(topic);
    for (const input of inputs) {
      if (input.partition !== undefined && (input.partition < 0 || input.partition >= partitions.length)) {
        throw new PartitionNotFound(`topic ${topic} has no partition ${input.partition}`);
      }
    }
    const touched = new Set<Partition>();
    const appended = inputs.map((input) => {
      const index =
        input.partition ??
        (input.key !== null ? partitionForKey(input.key, partitions.length) : this.#round_robin++ % partitions.length);
      const partition = partitions[index]!;
      const record: StoredRecord = {
        offset: partition.records.length,
        timestamp: input.timestamp ?? this.now(),
        key: input.key,
        value: input.value,
        headers: input.headers,
      };
      const line: StoredLine = { ...record, key: base64(record.key), value: base64(record.value) };
      writeSync(partition.descriptor, JSON.stringify(line) + "\n");
      partition.records.push(record);
      touched.add(partition);
      return { partition: index, offset: record.offset, timestamp: record.timestamp };
    });
    for (const partition of touched) fsyncSync(partition.descriptor);
    for (const listener of this.#listeners) listener();
    return appended;
  }

  read(topic: string, partition: number, from: number, records_max: number): StoredRecord[] {
    const records = this.#partition(topic, partition).records;
    return records.slice(from, from + records_max);
  }

  /** The offset the next record appended will get. */
  endOffset(topic: string, partition: number): number {
    return this.#partition(topic, partition).records.length;
  }

  hasPartition({ topic, partition }: TopicPartition): boolean {
    const partitions = this.#topics.get(topic);
    return partitions !== undefined && partition >= 0 && partition < partitions.length;
  }

  /** The group's committed offset (the next record to read), or undefined. */
  committed(group: string, topic: string, partition: number): number | undefined {
    return this.#committed.get(group)?.get(`${topic}/${partition}`);
  }

  commit(group: string, offsets: Array<TopicPartition & { offset: number }>): void {
    const stored = this.#committed.get(group) ?? new Map<string, number>();
    for (const { topic, partition, offset } of offsets) stored.set(`${topic}/${partition}`, offset);
    this.#committed.set(group, stored);
    writeDurably(join(this.data_dir, "groups", `${encodeURIComponent(group)}.json`), JSON.stringify(Object.fromEntries(stored)));
  }

  /** Called after every append (long-polling fetches wait on it). */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    for (const partitions of this.#topics.values()) for (const partition of partitions) closeSync(partition.descriptor);
    this.#topics.clear();
  }

  #partition(topic: string, partition: number): Partition {
    const found = this.#topics.get(topic)?.[partition];
    if (!found) throw new PartitionNotFound(`topic ${topic} has no partition ${partition}`);
    return found;
  }

  #createTopic(topic: string): Partition[] {
    const folder = join(this.data_dir, "topics", topic);
    mkdirSync(folder, { recursive: true });
    writeDurably(join(folder, "topic.json"), JSON.stringify({ partitions: this.partitions_default }));
    const partitions = Array.from({ length: this.partitions_default }, (_, index) => ({
      records: [],
      descriptor: openSync(join(folder, `${index}.log`), "a"),
    }));
    this.#topics.set(topic, partitions);
    return partitions;
  }

  #load(): void {
    const topics_dir = join(this.data_dir, "topics");
    for (const topic of readdirSync(topics_dir)) {
      const meta = join(topics_dir, topic, "topic.json");
      if (!existsSync(meta)) continue;
      const count = (JSON.parse(readFileSync(meta, "utf8")) as { partitions: number }).partitions;
      const partitions: Partition[] = [];
      for (let index = 0; index < count; index += 1) {
        const path = join(topics_dir, topic, `${index}.log`);
        const records = existsSync(path) ? readRecords(path) : [];
        if (existsSync(path)) truncateAfter(path, records.length);
        partitions.push({ records, descriptor: openSync(path, "a") });
      }
      this.#topics.set(topic, partitions);
    }
    const groups_dir = join(this.data_dir, "groups");
    for (const file of readdirSync(groups_dir)) {
      if (!file.endsWith(".json")) continue;
      const stored = JSON.parse(readFileSync(join(groups_dir, file), "utf8")) as Record<string, number>;
      this.#committed.set(decodeURIComponent(file.slice(0, -5)), new Map(Object.entries(stored)));
    }
  }
}

/** A line torn by a crash mid-append was never acknowledged: it is dropped on load. */
function readRecords(path: string): StoredRecord[] {
  const records: StoredRecord[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line === "") continue;
    let stored: StoredLine;
    try {
      stored = JSON.parse(line) as StoredLine;
    } catch {
      break;
    }
    records.push({ ...stored, offset: records.length, key: bytes(stored.key), value: bytes(stored.value) });
  }
  return records;
}

/** Cuts a torn last line, so later appends start on a line of their own. */
function truncateAfter(path: string, record_count: number): void {
  const text = readFileSync(path);
  let end = 0;
  for (let seen = 0; seen < record_count; seen += 1) end = text.indexOf(10, end) + 1;
  if (end !== text.length) truncateSync(path, end);
}

function writeDurably(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const descriptor = openSync(temporary, "w");
  writeSync(descriptor, text);
  fsyncSync(descriptor);
  closeSync(descriptor);
  renameSync(temporary, path);
}

const base64 = (value: Uint8Array | null) => (value === null ? null : Buffer.from(value).toString("base64"));
const bytes = (value: string | null) => (value === null ? null : new Uint8Array(Buffer.from(value, "base64")));
