/**
 * The Upstash Kafka REST protocol through `@upstash/kafka` (the one place that package is used).
 * Served today only by legacy Upstash clusters and the dev broker: Upstash closed its Kafka
 * service in March 2025.
 *
 * - auto-commit is off: offsets are committed by the consumer, after durable acceptance;
 * - the protocol creates an instance on first consume, so an expired one comes back by itself
 *   from the committed offsets; `open()` deletes a crashed run's instance first;
 * - a commit stores the offset as given: the next record to read;
 * - the protocol carries keys as strings with "" for none, and values as UTF-8 text.
 */
import { Kafka } from "@upstash/kafka";
import { KafkaSourceError, type KafkaRecord, type KafkaSource, type PartitionOffset, type ProduceRecord, type TopicPartition } from "./kafka-source.ts";

export interface UpstashOptions {
  rest_url: string;
  group: string;
  instance: string;
  topics: string[];
  username: string;
  password: string;
  offset_reset: "earliest" | "latest";
  poll_timeout_ms: number;
}

export class UpstashSource implements KafkaSource {
  readonly protocol = "upstash";
  readonly #kafka: Kafka;
  readonly #options: UpstashOptions;

  constructor(options: UpstashOptions) {
    this.#options = options;
    this.#kafka = new Kafka({ url: options.rest_url, username: options.username, password: options.password });
  }

  open(): Promise<void> {
    return wrap("deleting the previous consumer instance", () => this.#kafka.admin().removeConsumerInstance(this.#options.group, this.#options.instance));
  }

  async poll(): Promise<KafkaRecord[]> {
    const { group, instance, topics, offset_reset, poll_timeout_ms } = this.#options;
    const messages = await wrap("consuming", () =>
      this.#kafka.consumer().consume({ consumerGroupId: group, instanceId: instance, topics, autoCommit: false, autoOffsetReset: offset_reset, timeout: poll_timeout_ms }),
    );
    const encoder = new TextEncoder();
    return messages.map((message) => ({
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key === "" || message.key === undefined || message.key === null ? null : message.key,
      value: encoder.encode(message.value),
      headers: message.headers ?? [],
    }));
  }

  async commit(offsets: PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const { group, instance } = this.#options;
    await wrap("committing offsets", () => this.#kafka.consumer().commit({ consumerGroupId: group, instanceId: instance, offset: offsets }));
  }

  async logEnds(): Promise<PartitionOffset[]> {
    const counts = await wrap("listing topics", () => this.#kafka.admin().topics());
    const partitions = this.#options.topics.flatMap((topic) => Array.from({ length: counts[topic] ?? 0 }, (_, partition) => ({ topic, partition })));
    if (partitions.length === 0) return [];
    return wrap("reading log ends", () => this.#kafka.admin().topicPartitionOffsets({ timestamp: "latest", topicPartitions: partitions }));
  }

  async committed(partitions: TopicPartition[]): Promise<PartitionOffset[]> {
    if (partitions.length === 0) return [];
    const { group, instance } = this.#options;
    const offsets = await wrap("reading committed offsets", () => this.#kafka.consumer().committed({ consumerGroupId: group, instanceId: instance, topicPartitions: partitions }));
    return offsets.filter((offset) => offset.offset >= 0);
  }

  async produce(topic: string, records: ProduceRecord[]): Promise<void> {
    const decoder = new TextDecoder();
    await wrap(`producing to ${topic}`, () =>
      this.#kafka.producer().produceMany(
        records.map((record) => ({ topic, value: decoder.decode(record.value), headers: record.headers, ...(record.key === null ? {} : { key: record.key }) })),
      ),
    );
  }

  close(): Promise<void> {
    return this.open();
  }
}

async function wrap<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = typeof (error as { status?: unknown }).status === "number" ? ((error as { status: number }).status) : null;
    throw new KafkaSourceError(`${what}: ${(error as Error).message}`, status);
  }
}
