/**
 * The Bun host's actor thread: it owns the actor database, every payment actor, the velocity
 * store and the sink thread, and serves the HTTP thread's requests (actor-thread.ts).
 *
 * Acknowledging and processing do not compete for one event loop: the HTTP thread verifies,
 * parses, admits and acknowledges webhooks into the ingress log (ingress.ts); this thread
 * takes the log's entries into their actors' inboxes as fast as it processes them
 * (ingress-delivery.ts), runs the actors' alarms and hands outbox rows to the sink thread,
 * where Postgres (PGlite, or a driver for a URL) runs on its own.
 */
import { ActorDatabase } from "../../../actors/bun/actor-database.ts";
import { IngressReader } from "../../../actors/bun/ingress-log.ts";
import { OutboxAge } from "../../../actors/bun/outbox-age.ts";
import { BunActorSystem } from "../../../actors/bun/bun-actor-system.ts";
import { paymentActorLimits } from "../../../actors/payment/limits.ts";
import { PaymentActor } from "../../../actors/payment/payment-actor.ts";
import { PENDING_WORK_PREFIXES, PREFIX_OUTBOX } from "../../../actors/payment/storage-layout.ts";
import { errorClass, errorMessage } from "../../core/errors.ts";
import { emptySinkRows } from "../../core/postgres-rows.ts";
import { MetricsRegistry } from "../../http/metrics.ts";
import { SinkBatcher } from "../../sink/batcher.ts";
import { EmbeddedVelocityStore } from "../../velocity/embedded-sqlite.ts";
import { actorMetrics } from "../actor-metrics.ts";
import { redisHealthCheck, redisVelocityStore, registerRedisVelocityMetrics } from "../redis-velocity.ts";
import { actorsPath, ingressPath, type ActorThreadMessage, type ActorThreadNotice, type ActorThreadRequest, type ActorThreadResults } from "./actor-thread-protocol.ts";
import { deliverIngressMessage, IngressDelivery } from "./ingress-delivery.ts";
import { deliverLegacyIngress } from "./legacy-ingress.ts";
import type { IngressMessage } from "./ingress.ts";
import { SinkThread } from "./sink-thread.ts";
import { checkInstallation } from "./installation-check.ts";
import { openingFile, postgresAddress } from "./start-failure.ts";

declare const self: Worker;

type Host = Awaited<ReturnType<typeof openHost>>;
let host: Host | null = null;

async function openHost(request: Extract<ActorThreadRequest, { method: "open" }>) {
  const { config } = request;
  const { thread: sink, migration } = await SinkThread.start({ database_url: config.database_url, data_dir: config.data_dir });
  const database = openingFile(actorsPath(config.data_dir), "the actor database", () => new ActorDatabase({
    path: actorsPath(config.data_dir),
    durability: request.durability,
    on_durability_failure: (error) => self.postMessage({ fatal: `${errorClass(error)}: ${errorMessage(error)}` } satisfies ActorThreadMessage),
  }));
  const installation_id = await checkInstallation(database, sink, {
    actors_path: actorsPath(config.data_dir),
    postgres: postgresAddress(config.database_url)?.concat(" (DATABASE_URL)") ?? `${config.data_dir}/postgres (embedded PGlite)`,
  });
  if (request.ingress_installation_id !== null && request.ingress_installation_id !== installation_id) {
    throw new Error(
      `cannot start: ${ingressPath(config.data_dir)} belongs to installation ${request.ingress_installation_id}, not to ${installation_id} of the actor database and Postgres: ` +
        `its acknowledged events are another installation's. Move it back where it came from`,
    );
  }
  // Embedded velocity counters share the actor database: their writes join the group commit,
  // and a crash undoes an observation together with the processing that made it.
  const redis_velocity = config.velocity.redis === null ? null : redisVelocityStore(config.velocity.redis);
  const velocity = redis_velocity?.store ?? new EmbeddedVelocityStore(database.db);
  const fraud_fail_open = config.velocity.fraud_fail_open ?? config.fraud_rules.fail_open ?? false;
  const batcher = new SinkBatcher({ write: (rows) => sink.call({ method: "write", rows }), writers_max: 1, batch_rows_max: config.sink_batch_rows_max });
  const registry = new MetricsRegistry();
  const limits = paymentActorLimits(config.limits);
  const metrics = actorMetrics(registry, database.count(PREFIX_OUTBOX));
  const system = new BunActorSystem<PaymentActor>(
    database,
    (context) =>
      new PaymentActor(context, { velocity, sink: batcher, fraud_rules: config.fraud_rules, limits, metrics, random: Math.random, fraud_fail_open }),
    Date.now,
  );
  const ingress_reader = new IngressReader<IngressMessage>(ingressPath(config.data_dir));
  const delivery = new IngressDelivery(
    ingress_reader,
    database,
    system.scheduler,
    (entry) => deliverIngressMessage(system.get(entry.actor), entry.value),
    (through) => self.postMessage({ ingress_delivered: through } satisfies ActorThreadMessage),
  );
  registry.gauge("actors_with_pending_alarm", "Actors with work scheduled.", () => system.scheduler.pending());
  registry.gauge("processing_backlog", "Actors with due work waiting for a place to run.", () => system.scheduler.due());
  registry.gauge(
    "processing_lag_seconds",
    "How long the oldest waiting work has waited for processing (work found at start counts as overdue: +Inf).",
    () => system.scheduler.dueAgeMs() / 1000,
  );
  const outbox_age = new OutboxAge(database.db);
  registry.gauge(
    "outbox_oldest_age_seconds",
    "How long the oldest outbox entry (rows owed to Postgres) has waited; past OUTBOX_AGE_MAX_MS /health is degraded.",
    () => outbox_age.oldestAgeMs(Date.now()) / 1000,
  );
  registry.gauge("actor_storage_commits", "Group commits of the actor database since start.", () => database.commits);
  if (redis_velocity !== null) registerRedisVelocityMetrics(registry, redis_velocity);
  const redis_health = redis_velocity === null ? null : redisHealthCheck(redis_velocity.store);
  const legacy = deliverLegacyIngress(database, (actor, message) => deliverIngressMessage(system.get(actor), message));
  if (legacy > 0) console.error(`ingress: delivered ${legacy} acknowledged events left in the ingress table of an older version`);
  const resumed = openingFile(actorsPath(config.data_dir), "the actor database", () => system.start({ pending_prefixes: PENDING_WORK_PREFIXES })) + legacy;
  delivery.appended(request.ingress_through);
  return { sink, database, batcher, registry, system, delivery, ingress_reader, migration, resumed, redis_health, outbox_age, installation_id };
}

async function handle(request: ActorThreadRequest): Promise<ActorThreadResults[ActorThreadRequest["method"]]> {
  if (request.method === "open") {
    host = await openHost(request);
    return { migration: host.migration, resumed: host.resumed, installation_id: host.installation_id };
  }
  const current = host;
  if (current === null) throw new Error("the actor thread is not open");
  switch (request.method) {
    case "inspect":
      return actor(current, request.payment_id).inspect();
    case "replay":
      return actor(current, request.payment_id).replay(request.event_id);
    case "discard":
      return actor(current, request.payment_id).discard(request.event_id);
    case "overrideFraud":
      return actor(current, request.payment_id).overrideFraud(request.decision, request.note);
    case "listDeadLetters":
      return current.sink.call({ method: "listDeadLetters", filter: request.filter });
    case "writeDeadLetters":
      await current.batcher.write({ ...emptySinkRows(), dead_letters: request.rows });
      return null;
    case "ledgerAccounts":
      return current.sink.call({ method: "ledgerAccounts", currency: request.currency });
    case "unpublishedKafkaDeadLetters":
    case "recordKafkaDeadLettersPublished":
      return current.sink.call(request);
    case "pingPostgres":
      return current.sink.call({ method: "ping" });
    case "actorsHealth":
      return {
        pending_alarms: current.system.scheduler.pending(),
        processing_backlog: current.system.scheduler.due(),
        ingress_waiting: current.delivery.waiting(),
        outbox_oldest_age_seconds: current.outbox_age.oldestAgeMs(Date.now()) / 1000,
      };
    case "redisHealth":
      return (await current.redis_health?.check()) ?? null;
    case "metrics":
      return current.registry.render();
    case "stop":
      host = null;
      current.delivery.stop();
      current.ingress_reader.close();
      await current.system.stop();
      await current.database.flush();
      await current.batcher.close();
      await current.database.close();
      await current.sink.close();
      return null;
  }
}

/** An operation on one payment first takes its waiting ingress entries: it sees every acknowledged event. */
function actor(current: Host, payment_id: string) {
  current.delivery.deliverFor(payment_id);
  return current.system.get(payment_id);
}

self.onmessage = async (message: MessageEvent<{ id: number; request: ActorThreadRequest } | ActorThreadNotice>) => {
  if ("notice" in message.data) {
    host?.delivery.appended(message.data.through);
    return;
  }
  const { id, request } = message.data;
  let answer: ActorThreadMessage;
  try {
    answer = { id, ok: true, value: await handle(request) };
  } catch (error) {
    answer = { id, ok: false, error_class: errorClass(error), error_message: errorMessage(error) };
  }
  self.postMessage(answer);
};
