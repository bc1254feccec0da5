/** The consumer's Prometheus metrics: per topic and partition, plus commit latency. */
import type { MetricsRegistry } from "../../http/metrics.ts";
import type { PartitionStatus } from "./kafka-consumer.ts";

type Labels = Record<string, string>;

export function kafkaMetrics(registry: MetricsRegistry, partitions: () => PartitionStatus[]) {
  const label_cache = new Map<string, Labels>();
  const labels = (values: Labels): Labels => {
    const key = Object.values(values).join("\u0000");
    let cached = label_cache.get(key);
    if (!cached) {
      cached = values;
      label_cache.set(key, cached);
    }
    return cached;
  };
  const gauge = (name: string, help: string, read: (status: PartitionStatus) => number | null) =>
    registry.gauge(name, help, () =>
      partitions().flatMap((status) => {
        const value = read(status);
        return value === null ? [] : [[labels({ topic: status.topic, partition: String(status.partition) }), value] as [Labels, number]];
      }),
    );
  gauge("kafka_consumer_lag", "Records in the partition not yet committed by this consumer (log end minus committed offset).", (status) => status.lag);
  gauge("kafka_consumer_committed_offset", "The next offset to read, as last committed by this consumer.", (status) => status.committed_offset);
  gauge("kafka_consumer_log_end_offset", "The partition's log end, as last read from the proxy.", (status) => status.log_end_offset);
  const records = registry.counter("kafka_consumer_records_total", "Records handled, by topic, partition and outcome (accepted, duplicate, dead_lettered).");
  const dead_letters = registry.counter("kafka_consumer_dead_letters_total", "Poison records dead-lettered to <topic>.dlq and dead_letters, by topic, partition and reason.");
  const retries = registry.counter("kafka_consumer_backpressure_retries_total", "Acceptances retried after the actors pushed back, by cause (inbox_full, overloaded, error).");
  const commit_latency = registry.histogram("kafka_consumer_commit_latency_ms", "Time to commit a batch's offsets to the proxy.");
  return {
    record(topic: string, partition: number, outcome: "accepted" | "duplicate" | "dead_lettered") {
      records.increment(1, labels({ topic, partition: String(partition), outcome }));
    },
    deadLetter(topic: string, partition: number, reason: string) {
      dead_letters.increment(1, labels({ topic, partition: String(partition), reason }));
    },
    retry(cause: string) {
      retries.increment(1, labels({ cause }));
    },
    commitLatency(ms: number) {
      commit_latency.observe(ms);
    },
  };
}

export type KafkaMetrics = ReturnType<typeof kafkaMetrics>;
