/**
 * Wires the Bun host: the HTTP server (and the Kafka consumer loop, when configured) on this
 * thread, the actors on the actor thread (actor-thread-worker.ts), Postgres on the sink thread
 * beside them. Used by `npm start` (main.ts) and by tests that need a whole running host.
 */
import type { Durability } from "../../../actors/bun/actor-database.ts";
import { createApp } from "../../http/app.ts";
import { MetricsRegistry } from "../../http/metrics.ts";
import { ActorThread } from "./actor-thread.ts";
import type { BunHostConfig } from "./config.ts";
import { startKafkaConsumerLoop } from "./kafka-consumer-loop.ts";

export interface StartOptions {
  /** Test hook: "process" skips fsync for speed. */
  durability?: Durability;
}

export async function startBunHost(config: BunHostConfig, options: StartOptions = {}) {
  const { thread, migration, resumed } = await ActorThread.start(config, { durability: options.durability ?? "fsync" });
  const registry = new MetricsRegistry();
  let kafka: ReturnType<typeof startKafkaConsumerLoop> | null = null;
  const app = createApp({
    webhook_secrets: config.webhook_secrets,
    webhook_sources: config.webhook_sources,
    admin_token: config.admin_token,
    body_bytes_max: config.limits.body_bytes_max,
    list_entries_max: config.limits.list_entries_max,
    actors: thread.actors,
    sink: thread.sink,
    metrics: registry,
    metrics_elsewhere: [() => thread.call({ method: "metrics" })],
    health_checks: [
      {
        name: "postgres",
        check: async () => {
          await thread.call({ method: "pingPostgres" });
          return { driver: config.database_url ? "postgres" : "pglite" };
        },
      },
      { name: "actors", check: () => thread.call({ method: "actorsHealth" }) },
      ...(config.velocity.redis === null ? [] : [{ name: "redis", check: async () => (await thread.call({ method: "redisHealth" })) ?? {} }]),
    ],
    now: Date.now,
    ...(config.kafka ? { kafka_consumers: async () => kafka?.view() ?? { consumers: [] } } : {}),
    hmac_sha256: (key, message) => new Bun.CryptoHasher("sha256", key).update(message).digest() as Uint8Array,
  });

  const server = Bun.serve({
    hostname: config.host,
    port: config.port,
    fetch: app.fetch,
    // The app enforces BODY_BYTES_MAX with a JSON error; this is only a backstop.
    maxRequestBodySize: config.limits.body_bytes_max * 4,
  });
  if (config.kafka) {
    kafka = startKafkaConsumerLoop(config.kafka, {
      actors: thread.actors,
      dead_letters: {
        write: async (rows) => {
          await thread.call({ method: "writeDeadLetters", rows });
        },
      },
      registry,
      now: Date.now,
    });
  }

  let stopping: Promise<void> | null = null;
  return {
    server,
    url: `http://${config.host}:${server.port}`,
    migration,
    resumed,
    kafka,
    /** Stops consuming and accepting, lets running work finish, and closes storage. */
    stop(): Promise<void> {
      stopping ??= (async () => {
        await kafka?.stop();
        await server.stop();
        await thread.stop();
      })();
      return stopping;
    },
  };
}

export type BunHost = Awaited<ReturnType<typeof startBunHost>>;
