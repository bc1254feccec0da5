/**
 * Wires the Bun host: the HTTP server, the ingress log (and the Kafka consumer loop, when
 * configured) on this thread; the actors on the actor thread (actor-thread-worker.ts);
 * Postgres on the sink thread beside them. Used by `npm start` (main.ts) and by tests that
 * need a whole running host.
 */
import { ActorDatabase, type Durability } from "../../../actors/bun/actor-database.ts";
import { ActorRowsReader } from "../../../actors/bun/actor-rows-reader.ts";
import { readDeliveredThrough } from "../../../actors/bun/ingress-log.ts";
import { readInstallationId, recordInstallationId } from "../../../actors/bun/installation-id.ts";
import { paymentActorLimits } from "../../../actors/payment/limits.ts";
import { createApp } from "../../http/app.ts";
import { jsonLimits } from "../../ingest/json-limits.ts";
import { MetricsRegistry } from "../../http/metrics.ts";
import type { PaymentActorsPort } from "../../http/ports.ts";
import { actorsPath, ingressPath } from "./actor-thread-protocol.ts";
import { ActorThread } from "./actor-thread.ts";
import { EventLoopLag, IN_FLIGHT_MIN, LAG_MS_MAX } from "./event-loop-lag.ts";
import { BunIngress } from "./ingress.ts";
import { DEFAULT_PROCESSING_BACKLOG_LIMITS } from "./processing-backlog.ts";
import type { BunHostConfig } from "./config.ts";
import { startKafkaConsumerLoop } from "./kafka-consumer-loop.ts";
import { fullDisk, openingFile } from "./start-failure.ts";
import { ingressStorageHealth, outboxWithinAge } from "./health-checks.ts";

/**
 * The ingress log is a queue (appends at one end, deletes at the other): it needs no large
 * page cache, and the actors' 64 MiB held up to 64 MiB more while a backlog filled the log.
 */
const INGRESS_CACHE_MIB = 8;
/**
 * At most one ingress commit a millisecond. Measured (`npm run bench`, 2,500 and 3,500 events/s
 * offered, alternated twice with 0): HTTP thread 120 and 120 µs an event at 2,500/s against 126
 * and 123, ack p50 1.4 against 1.0 ms (with the actors' 5 ms, actor-processing.ts).
 */
const INGRESS_COMMIT_INTERVAL_MS = 1;

export interface StartOptions {
  /** Test hook: "process" skips fsync for speed. */
  durability?: Durability;
}

export async function startBunHost(config: BunHostConfig, options: StartOptions = {}) {
  const durability = options.durability ?? "fsync";
  // A host started on a full disk could only refuse every webhook: say so instead of starting.
  const full_disk = fullDisk(config.data_dir);
  if (full_disk !== null) throw new Error(`cannot start: ${full_disk}`);
  const delivered_through = readDeliveredThrough(actorsPath(config.data_dir));
  const ingress_database = openingFile(ingressPath(config.data_dir), "the ingress log", () => new ActorDatabase({
      path: ingressPath(config.data_dir),
      durability,
      commit_failure_rejects: true,
      cache_mib: INGRESS_CACHE_MIB,
      commit_interval_ms: INGRESS_COMMIT_INTERVAL_MS,
    }));
  const ingress: BunIngress = openingFile(ingressPath(config.data_dir), "the ingress log", () => new BunIngress(ingress_database, {
    limits: paymentActorLimits(config.limits),
    backlog: { ...DEFAULT_PROCESSING_BACKLOG_LIMITS, backlog_ms_max: config.limits.processing_backlog_ms_max },
    announce: (through) => thread.notify({ notice: "ingress_appended", through }),
    now: Date.now,
    storage_full_retry_after_s: config.faults.storage_full_retry_after_s,
    delivered_through,
  }));
  const ingress_installation = readInstallationId(ingress_database);
  const { thread, migration, resumed, installation_id } = await ActorThread.start(config, {
    durability,
    ingress_through: ingress.log.lastSequence(),
    ingress_delivered_through: delivered_through,
    ingress_installation_id: ingress_installation.installation_id,
    on_ingress_delivered: (sequence) => ingress.delivered(sequence),
    on_storage_paused: (pause) => ingress.actorStoragePaused(pause),
    storage_full_retry_after_s: config.faults.storage_full_retry_after_s,
  });
  if (ingress_installation.installation_id === null) {
    recordInstallationId(ingress_database, installation_id);
    await ingress_database.sync();
  }
  const actor_rows = new ActorRowsReader(actorsPath(config.data_dir));
  ingress.open(actor_rows);
  const loop_lag = new EventLoopLag();
  loop_lag.start();
  const actors: PaymentActorsPort = {
    accept: (event, source) => ingress.accept(event, source),
    // `server` is listening by the time any request asks.
    overloaded: () => loop_lag.overloaded(server.pendingRequests) || ingress.backlog.overloaded(),
    inspect: (payment_id) => thread.call({ method: "inspect", payment_id }),
    replay: (payment_id, event_id) => thread.call({ method: "replay", payment_id, event_id }),
    discard: (payment_id, event_id) => thread.call({ method: "discard", payment_id, event_id }),
    overrideFraud: (payment_id, decision, note) => thread.call({ method: "overrideFraud", payment_id, decision, note }),
  };

  const registry = new MetricsRegistry();
  registry.gauge(
    "ingress_log_entries",
    `Events acknowledged and not yet taken by the actor thread (503 past ${DEFAULT_PROCESSING_BACKLOG_LIMITS.backlog_events_max.toLocaleString("en-US")}).`,
    () => ingress.log.size(),
  );
  registry.gauge(
    "ingress_lag_seconds",
    "How long the oldest acknowledged event has waited for the actor thread (entries found at start, since the start).",
    () => ingress.log.oldestAgeMs() / 1000,
  );
  registry.gauge("ingress_storage_full", "1 while the ingress log finds the disk full (webhooks get 503 storage_full), else 0.", () => (ingress.storageFullSince() === null ? 0 : 1));
  registry.gauge(
    "processing_backlog_drain_seconds",
    "How long the waiting events would take to process, as estimated for overload (503 overloaded past PROCESSING_BACKLOG_MS_MAX).",
    () => ingress.backlog.drainMs() / 1000,
  );
  // The standard name of Prometheus' client libraries: the memory the README's figures measure.
  registry.gauge("process_resident_memory_bytes", "Resident memory of the host process, all its threads (VmRSS).", () => process.memoryUsage.rss());
  registry.gauge(
    "http_event_loop_lag_seconds",
    `How late the HTTP thread's event loop runs (webhooks get 503 overloaded past ${LAG_MS_MAX} ms with more than ${IN_FLIGHT_MIN} requests in flight).`,
    () => loop_lag.lateMs() / 1000,
  );
  let kafka: ReturnType<typeof startKafkaConsumerLoop> | null = null;
  const app = createApp({
    webhook_secrets: config.webhook_secrets,
    webhook_sources: config.webhook_sources,
    admin_token: config.admin_token,
    body_bytes_max: config.limits.body_bytes_max,
    json_limits: jsonLimits(config.limits),
    list_entries_max: config.limits.list_entries_max,
    actors,
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
      { name: "storage", check: async () => ingressStorageHealth(ingress, config.data_dir) },
      { name: "actors", check: async () => outboxWithinAge(await thread.call({ method: "actorsHealth" }), config.faults.outbox_age_ms_max) },
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
    // The app enforces BODY_BYTES_MAX with a JSON 413 (from Content-Length before reading, or
    // after the chunk that crosses it); Bun's own limit would answer a bare 413 first.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  });
  if (config.kafka) {
    kafka = startKafkaConsumerLoop(config.kafka, {
      actors: { accept: actors.accept, acceptDeadLetter: (refused) => ingress.acceptDeadLetter(refused) },
      dead_letters: {
        write: async (rows) => {
          await thread.call({ method: "writeDeadLetters", rows });
        },
      },
      dead_letter_rows: {
        unpublished: (limit) => thread.call({ method: "unpublishedKafkaDeadLetters", limit }),
        published: async (publications) => {
          await thread.call({ method: "recordKafkaDeadLettersPublished", publications, now: Date.now() });
        },
      },
      registry,
      data_dir: config.data_dir,
      now: Date.now,
      json_limits: jsonLimits(config.limits),
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
        loop_lag.stop();
        await ingress_database.flush();
        await thread.stop();
        actor_rows.close();
        await ingress_database.close();
      })();
      return stopping;
    },
  };
}

export type BunHost = Awaited<ReturnType<typeof startBunHost>>;
