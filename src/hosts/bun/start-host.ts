/**
 * Wires the Bun host: actor storage, velocity store, Postgres sink, actors, HTTP server.
 * Used by `npm start` (main.ts) and by tests that need a whole running host.
 */
import { join } from "node:path";
import { ActorDatabase, type Durability } from "../../../actors/bun/actor-database.ts";
import { BunActorSystem } from "../../../actors/bun/bun-actor-system.ts";
import { DEFAULT_PAYMENT_ACTOR_LIMITS } from "../../../actors/payment/limits.ts";
import { PaymentActor } from "../../../actors/payment/payment-actor.ts";
import { PENDING_WORK_PREFIXES } from "../../../actors/payment/records.ts";
import { createApp } from "../../http/app.ts";
import { MetricsRegistry } from "../../http/metrics.ts";
import { SinkBatcher } from "../../sink/batcher.ts";
import { EmbeddedVelocityStore } from "../../velocity/embedded-sqlite.ts";
import { actorMetrics } from "../actor-metrics.ts";
import type { BunHostConfig } from "./config.ts";
import { bunPaymentActors } from "./payment-actors.ts";
import { BunIngress } from "./ingress.ts";
import { BACKLOG_MAX, processingSchedule, RequestActivity } from "./processing-schedule.ts";
import { startKafkaConsumerLoop } from "./kafka-consumer-loop.ts";
import { SinkThread } from "./sink-thread.ts";

export interface StartOptions {
  /** Test hooks: a driven clock; durability "process" skips fsync for speed. */
  now?: () => number;
  durability?: Durability;
}

export async function startBunHost(config: BunHostConfig, options: StartOptions = {}) {
  const now = options.now ?? Date.now;
  const { thread: sink, migration } = await SinkThread.start({ database_url: config.database_url, data_dir: config.data_dir });

  const actor_database = new ActorDatabase({ path: join(config.data_dir, "actors.sqlite"), durability: options.durability ?? "fsync" });
  // Velocity counters share the actor database: their writes join the group commit (a
  // savepoint in the open batch) instead of paying a commit and checkpoints of their own on
  // the event loop, and a crash undoes an observation with the processing that made it.
  const velocity = new EmbeddedVelocityStore(actor_database.db);

  const batcher = new SinkBatcher({ write: (rows) => sink.call({ method: "write", rows }), writers_max: 1, batch_rows_max: 5_000 });
  const registry = new MetricsRegistry();
  const limits = {
    ...DEFAULT_PAYMENT_ACTOR_LIMITS,
    retry: { ...DEFAULT_PAYMENT_ACTOR_LIMITS.retry, attempts_max: config.limits.retry_attempts_max },
    hold_timeout_ms: config.limits.hold_timeout_ms,
  };
  const requests = new RequestActivity();
  const backlog = () => system.scheduler.due() + ingress.log.size();
  const processingLagMs = () => Math.max(system.scheduler.dueAgeMs(), ingress.log.oldestAgeMs());
  const schedule = processingSchedule({ busy: () => requests.busy(), lag_ms: processingLagMs, backlog });
  const metrics_for_actors = actorMetrics(registry, countOutbox(actor_database));
  const system: BunActorSystem<PaymentActor> = new BunActorSystem(
    actor_database,
    (context) =>
      new PaymentActor(context, {
        velocity,
        sink: batcher,
        fraud_rules: config.fraud_rules,
        limits,
        metrics: metrics_for_actors,
        random: Math.random,
      }),
    now,
    schedule,
  );
  const ingress = new BunIngress(actor_database, system, { now, schedule });
  registry.gauge("ingress_log_entries", "Events acknowledged and not yet moved into their actor's inbox.", () => ingress.log.size());
  registry.gauge("actors_with_pending_alarm", "Actors with work scheduled.", () => system.scheduler.pending());
  registry.gauge("processing_backlog", "Work waiting to be processed: due actors plus ingress log entries (503 at 100,000).", backlog);
  registry.gauge(
    "processing_lag_seconds",
    "How long the oldest waiting work has waited for processing (work found at start counts as overdue: +Inf).",
    () => processingLagMs() / 1000,
  );
  registry.gauge("actor_storage_commits", "Group commits of the actor database since start.", () => actor_database.commits);

  const actors = bunPaymentActors(system, ingress, () => backlog() >= BACKLOG_MAX);
  let kafka: ReturnType<typeof startKafkaConsumerLoop> | null = null;
  const app = createApp({
    webhook_secrets: config.webhook_secrets,
    admin_token: config.admin_token,
    body_bytes_max: config.limits.body_bytes_max,
    actors,
    sink: {
      listDeadLetters: (filter) => sink.call({ method: "listDeadLetters", filter }),
      ledgerAccounts: (currency) => sink.call({ method: "ledgerAccounts", currency }),
    },
    metrics: registry,
    health_checks: [
      { name: "postgres", check: async () => ({ driver: config.database_url ? "postgres" : "pglite", payment_events: await sink.call({ method: "countPaymentEvents" }) }) },
      { name: "actors", check: async () => ({ pending_alarms: system.scheduler.pending() }) },
    ],
    now,
    ...(config.kafka ? { kafka_consumers: async () => kafka?.view() ?? { consumers: [] } } : {}),
    hmac_sha256: (key, message) => new Bun.CryptoHasher("sha256", key).update(message).digest() as Uint8Array,
  });

  const server = Bun.serve({
    hostname: config.host,
    port: config.port,
    fetch(request) {
      requests.started();
      return app.fetch(request);
    },
    // The app enforces BODY_BYTES_MAX with a JSON error; this is only a backstop.
    maxRequestBodySize: config.limits.body_bytes_max * 4,
  });
  const resumed = system.start({ pending_prefixes: PENDING_WORK_PREFIXES }) + ingress.start();
  if (config.kafka) kafka = startKafkaConsumerLoop(config.kafka, { actors, sink: batcher, registry, now });

  let stopping: Promise<void> | null = null;
  return {
    server,
    url: `http://${config.host}:${server.port}`,
    system,
    sink,
    migration,
    resumed,
    kafka,
    /** Stops accepting, lets running work finish, and closes storage. */
    stop(): Promise<void> {
      stopping ??= (async () => {
        await kafka?.stop();
        await server.stop();
        ingress.stop();
        await system.stop();
        await actor_database.flush();
        await batcher.close();
        await actor_database.close();
        await sink.close();
      })();
      return stopping;
    },
  };
}

function countOutbox(database: ActorDatabase): number {
  const row = database.db.query("SELECT count(*) AS n FROM actor_rows WHERE key >= 'outbox:' AND key < 'outbox;'").get() as { n: number };
  return row.n;
}

export type BunHost = Awaited<ReturnType<typeof startBunHost>>;
