/**
 * The Kafka consumer on Cloudflare: one Durable Object per group and topic set, woken by the
 * Cron Trigger (every minute) and polling on its alarm. Each alarm runs a poll session of at
 * most POLL_SESSION_MS, handing records to payment actors by RPC (the same `accept` the webhook
 * route uses) and committing after them, then re-arms itself: at once while records flow,
 * after IDLE_REARM_MS when the topics are idle, after ERROR_REARM_MS when the proxy failed.
 *
 * The group's committed offsets on the proxy are the state: when the object is evicted, the
 * next alarm opens the source again, which deletes the old consumer instance and resumes at
 * them. The object's storage keeps only a copy of what it committed (`committed:` rows), so
 * that GET /kafka/consumers knows every partition's lag after an eviction or a deploy
 * (committed-offsets-store.ts says why).
 *
 * Throughput: one object handles its records one RPC at a time per key and at most 32 keys at
 * once, and a Durable Object serves about 1,000 requests/s; raise it with more consumer objects,
 * one per partition range (KAFKA_TOPICS split across deployments or groups).
 */
import { DurableObject } from "cloudflare:workers";
import { errorMessage } from "../../core/errors.ts";
import { emptySinkRows } from "../../core/postgres-rows.ts";
import type { KafkaConsumersView } from "../../http/ports.ts";
import type { KafkaConfig } from "../../ingest/kafka/kafka-config.ts";
import type { CommittedOffsetsStore } from "../../ingest/kafka/committed-offsets-store.ts";
import { DeadLetterPublisher } from "../../ingest/kafka/dead-letter-publisher.ts";
import { KafkaConsumer } from "../../ingest/kafka/kafka-consumer.ts";
import { kafkaMetrics, type KafkaMetrics } from "../../ingest/kafka/kafka-metrics.ts";
import type { PartitionOffset } from "../../ingest/kafka/kafka-source.ts";
import { kafkaSource } from "../../ingest/kafka/open-source.ts";
import type { CloudflareEnv } from "./env.ts";
import { jsonLimits } from "../../ingest/json-limits.ts";
import { actorConfig, isolateRegistry } from "./isolate.ts";
import { callWithRetry } from "../../../actors/cloudflare/stub-retry.ts";
import { cloudflareKafkaActors } from "./payment-actors.ts";
import { sinkWriter, writeToSinkWriter } from "./sink-writers.ts";

const POLL_SESSION_MS = 20_000;
/** The consumer of this isolate, for its gauges (a registry keeps the first read function it is given). */
let isolate_consumer: KafkaConsumer | null = null;
let isolate_metrics: KafkaMetrics | null = null;
const IDLE_POLLS_MAX = 3;
const IDLE_REARM_MS = 1_000;
const ERROR_REARM_MS = 5_000;

/** The object of a group and topic set: one consumer per configuration. */
export function kafkaConsumerName(config: KafkaConfig): string {
  return `kafka-consumer:${config.group}:${config.topics.join(",")}`;
}

export class KafkaConsumerObject extends DurableObject<CloudflareEnv> {
  private consumer: Promise<KafkaConsumer> | null = null;

  /** The Cron Trigger's call: arms the alarm if nothing is scheduled (a lost alarm comes back within a minute). */
  async wake(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  async view(): Promise<KafkaConsumersView> {
    const config = actorConfig(this.env).kafka;
    if (config === null) return { consumers: [] };
    const partitions = this.consumer ? (await this.consumer.catch(() => null))?.partitions() ?? [] : [];
    return { consumers: [{ protocol: config.protocol, group: config.group, instance: config.instance, topics: config.topics, partitions }] };
  }

  async alarm(): Promise<void> {
    const config = actorConfig(this.env).kafka;
    if (config === null) return;
    let rearm_ms = IDLE_REARM_MS;
    try {
      const consumer = await this.open(config);
      const deadline = Date.now() + POLL_SESSION_MS;
      let idle = 0;
      while (Date.now() < deadline && idle < IDLE_POLLS_MAX) {
        idle = (await consumer.cycle()) === 0 ? idle + 1 : 0;
      }
      if (idle < IDLE_POLLS_MAX) rearm_ms = 0;
    } catch (error) {
      console.warn(`kafka consumer: ${errorMessage(error)}; polling again in ${ERROR_REARM_MS} ms`);
      this.consumer = null;
      rearm_ms = ERROR_REARM_MS;
    }
    await this.ctx.storage.setAlarm(Date.now() + rearm_ms);
  }

  private open(config: KafkaConfig): Promise<KafkaConsumer> {
    this.consumer ??= (async () => {
      const source = kafkaSource(config);
      await source.open();
      const actors = cloudflareKafkaActors(this.env);
      isolate_metrics ??= kafkaMetrics(isolateRegistry(), () => isolate_consumer?.partitions() ?? []);
      isolate_consumer = new KafkaConsumer({
        source,
        actors,
        dead_letters: {
          write: (rows) => writeToSinkWriter(this.env, 0, { ...emptySinkRows(), dead_letters: rows }),
        },
        committed_offsets: this.committedOffsets(),
        dead_letter_publisher: new DeadLetterPublisher({
          source,
          rows: {
            unpublished: (limit) => callWithRetry(() => sinkWriter(this.env, 0), (writer) => writer.unpublishedKafkaDeadLetters(limit)),
            published: (publications) => callWithRetry(() => sinkWriter(this.env, 0), (writer) => writer.recordKafkaDeadLettersPublished(publications)),
          },
        }),
        metrics: isolate_metrics,
        now: Date.now,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        json_limits: jsonLimits(actorConfig(this.env).limits),
      });
      return isolate_consumer;
    })().catch((error: unknown) => {
      this.consumer = null;
      throw error;
    });
    return this.consumer;
  }

  private committedOffsets(): CommittedOffsetsStore {
    const prefix = "committed:";
    return {
      read: async () => [...(await this.ctx.storage.list<PartitionOffset>({ prefix })).values()],
      write: (offsets) => this.ctx.storage.put(Object.fromEntries(offsets.map((offset) => [`${prefix}${offset.topic}:${offset.partition}`, offset]))),
    };
  }
}
