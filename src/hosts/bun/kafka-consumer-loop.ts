/**
 * The Bun host's Kafka consumer: a loop in the process, started when KAFKA_REST_URL is set and
 * drained by the host's stop (Ctrl-C): the batch in hand is finished or abandoned, what was
 * accepted is committed, and the consumer instance is deleted.
 */
import type { JsonLimits } from "../../ingest/json-limits.ts";
import { hostname } from "node:os";
import type { DeadLetterRow } from "../../core/postgres-rows.ts";
import type { MetricsRegistry } from "../../http/metrics.ts";
import type { KafkaConsumersView } from "../../http/ports.ts";
import type { KafkaConfig } from "../../ingest/kafka/kafka-config.ts";
import { DeadLetterPublisher, type KafkaDeadLetterRows } from "../../ingest/kafka/dead-letter-publisher.ts";
import { KafkaConsumer, type KafkaActorsPort } from "../../ingest/kafka/kafka-consumer.ts";
import { kafkaMetrics } from "../../ingest/kafka/kafka-metrics.ts";
import { kafkaSource } from "../../ingest/kafka/open-source.ts";
import { kafkaOffsetsFile } from "./kafka-offsets-file.ts";

/** The stable default KAFKA_INSTANCE: one consumer instance per machine, the same across restarts. */
export function bunKafkaInstance(): string {
  return `payment-actors-${hostname().replace(/[^\w.-]/g, "-").slice(0, 150) || "bun"}`;
}

export function startKafkaConsumerLoop(
  config: KafkaConfig,
  deps: {
    actors: KafkaActorsPort;
    /** Where poison records' dead letters go: the sink's `dead_letters` table. */
    dead_letters: { write(rows: DeadLetterRow[]): Promise<void> };
    /** The actors' dead letters of Kafka-sourced events, for `<topic>.dlq`. */
    dead_letter_rows: KafkaDeadLetterRows;
    registry: MetricsRegistry;
    /** DATA_DIR: where the offsets this consumer commits are kept for the lag view. */
    data_dir: string;
    now: () => number;
    json_limits?: JsonLimits;
  },
) {
  const committed_offsets = kafkaOffsetsFile(deps.data_dir, config.group);
  const metrics = kafkaMetrics(deps.registry, () => consumer.partitions());
  const source = kafkaSource(config);
  const consumer: KafkaConsumer = new KafkaConsumer({
    source,
    actors: deps.actors,
    dead_letters: deps.dead_letters,
    committed_offsets,
    dead_letter_publisher: new DeadLetterPublisher({ source, rows: deps.dead_letter_rows }),
    metrics,
    now: deps.now,
    sleep: (ms) => Bun.sleep(ms),
    json_limits: deps.json_limits,
  });
  consumer.start();
  return {
    consumer,
    /** One line for the start banner. */
    describe: () =>
      `${config.topics.join(", ")} from ${config.rest_url} (${config.protocol}, group ${config.group}, instance ${config.instance}; dead letters to <topic>.dlq)`,
    view: (): KafkaConsumersView => ({
      consumers: [
        { protocol: config.protocol, group: config.group, instance: config.instance, topics: config.topics, partitions: consumer.partitions() },
      ],
    }),
    stop: async () => {
      await consumer.stop();
      committed_offsets.close();
    },
  };
}
