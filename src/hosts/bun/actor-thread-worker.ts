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
import { paymentActorLimits } from "../../../actors/payment/limits.ts";
import { errorClass, errorMessage } from "../../core/errors.ts";
import { emptySinkRows } from "../../core/postgres-rows.ts";
import { MetricsRegistry } from "../../http/metrics.ts";
import { redisHealthCheck, redisVelocityStore, registerRedisVelocityMetrics } from "../redis-velocity.ts";
import { actorsPath, ingressPath, type ActorThreadMessage, type ActorThreadNotice, type ActorThreadRequest, type ActorThreadResults } from "./actor-thread-protocol.ts";
import { ActorProcessing } from "./actor-processing.ts";
import { SinkThread, sinkBatcher } from "./sink-thread.ts";
import { checkInstallation } from "./installation-check.ts";
import { describePostgres } from "./start-failure.ts";
import { StoragePauses, type StoragePause } from "./storage-pause.ts";
import { becomeWorkerThread } from "../../../actors/bun/thread-priority.ts";

declare const self: Worker;

becomeWorkerThread("actor");


type Host = Awaited<ReturnType<typeof openHost>>;
let host: Host | null = null;
/** The newest ingress entry announced durable by the HTTP thread. */
let ingress_through = 0;
/** The newest ingress entry reported durable in the actors' storage: a rebuild goes on after it. */
let ingress_delivered = 0;

async function openHost(request: Extract<ActorThreadRequest, { method: "open" }>) {
  const { config } = request;
  ingress_through = request.ingress_through;
  ingress_delivered = request.ingress_delivered_through;
  const { thread: sink, migration } = await SinkThread.start({ database_url: config.database_url, data_dir: config.data_dir });
  const redis_velocity = config.velocity.redis === null ? null : redisVelocityStore(config.velocity.redis);
  const batcher = sinkBatcher(sink, config.sink_batch_rows_max);
  const limits = paymentActorLimits(config.limits);
  const pauses = new StoragePauses({
    data_dir: config.data_dir,
    retry_after_s: config.faults.storage_full_retry_after_s,
    ingress_through: () => ingress_through,
    report: (pause) => self.postMessage({ storage_paused: pause } satisfies ActorThreadMessage),
    open: (failed) =>
      new ActorProcessing({
        data_dir: config.data_dir,
        durability: request.durability,
        ingress_delivered_through: ingress_delivered,
        batcher,
        redis_velocity: redis_velocity?.store ?? null,
        fraud_rules: config.fraud_rules,
        fraud_fail_open: config.fraud_fail_open,
        limits,
        actor_instances_max: config.actor_instances_max,
        // A failed COMMIT leaves the file at the last good commit: rebuild from it. A failed
        // fsync leaves nothing to trust: the process stops (actor-thread.ts).
        on_durability_failure: (error, stage) => {
          if (stage === "commit") failed(error);
          else self.postMessage({ fatal: `${errorClass(error)}: ${errorMessage(error)}` } satisfies ActorThreadMessage);
        },
        on_ingress_delivered: (through) => {
          ingress_delivered = Math.max(ingress_delivered, through);
          self.postMessage({ ingress_delivered: through } satisfies ActorThreadMessage);
        },
      }),
  });
  const installation_id = await checkInstallation(pauses.latest().database, sink, {
    actors_path: actorsPath(config.data_dir),
    postgres: describePostgres(config.database_url, config.data_dir),
  });
  if (request.ingress_installation_id !== null && request.ingress_installation_id !== installation_id) {
    throw new Error(
      `cannot start: ${ingressPath(config.data_dir)} belongs to installation ${request.ingress_installation_id}, not to ${installation_id} of the actor database and Postgres: ` +
        `its acknowledged events are another installation's. Move it back where it came from`,
    );
  }
  const registry = new MetricsRegistry();
  registry.gauge("actor_storage_paused", "1 while processing is paused after a failed commit of the actor database (a full disk), else 0.", () => (pauses.paused() === null ? 0 : 1));
  registry.gauge("actor_storage_pauses", "Times processing paused after a failed commit of the actor database since start.", () => pauses.pauses);
  if (redis_velocity !== null) registerRedisVelocityMetrics(registry, redis_velocity);
  const redis_health = redis_velocity === null ? null : redisHealthCheck(redis_velocity.store);
  const resumed = pauses.start();
  return { sink, batcher, registry, pauses, migration, resumed, redis_health, installation_id, data_dir: config.data_dir };
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
      return (await current.pauses.processing()).inspect(request.payment_id, ingress_through);
    case "replay":
      return (await writable(current)).actor(request.payment_id).replay(request.event_id);
    case "discard":
      return (await writable(current)).actor(request.payment_id).discard(request.event_id);
    case "overrideFraud":
      return (await writable(current)).actor(request.payment_id).overrideFraud(request.decision, request.note);
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
    case "actorsHealth": {
      const pause = current.pauses.paused();
      if (pause !== null) throw new Error(describePause(pause, current.data_dir));
      const processing = current.pauses.latest();
      return {
        pending_alarms: processing.system.scheduler.pending(),
        processing_backlog: processing.system.scheduler.due(),
        ingress_waiting: processing.delivery.waiting(),
        outbox_oldest_age_seconds: processing.outbox_age.oldestAgeMs(Date.now()) / 1000,
      };
    }
    case "redisHealth":
      return (await current.redis_health?.check()) ?? null;
    case "metrics":
      return current.registry.render() + current.pauses.latest().registry.render();
    case "stop":
      host = null;
      await current.pauses.close();
      await current.batcher.close();
      await current.sink.close();
      return null;
  }
}

/** The processing, for a request that writes actor storage: refused while paused. */
async function writable(current: Host): Promise<ActorProcessing> {
  current.pauses.requireWritable();
  const processing = await current.pauses.processing();
  current.pauses.requireWritable();
  return processing;
}

function describePause(pause: StoragePause, data_dir: string): string {
  const seconds = Math.round((Date.now() - pause.since_ms) / 1000);
  const cause = pause.disk_full ? `the disk holding DATA_DIR (${data_dir}) is full` : "a commit of the actor database failed";
  return (
    `${cause} (${pause.reason}): processing paused for ${seconds} s after ${pause.failures} failed commits; ` +
    `webhooks are answered 503${pause.disk_full ? " storage_full" : ""}, inspection answers from disk; resumes by itself${pause.disk_full ? " when space returns" : ""}`
  );
}

self.onmessage = async (message: MessageEvent<{ id: number; request: ActorThreadRequest } | ActorThreadNotice>) => {
  if ("notice" in message.data) {
    ingress_through = Math.max(ingress_through, message.data.through);
    host?.pauses.latest().appended(ingress_through);
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
