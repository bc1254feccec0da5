/**
 * What the actor thread holds in memory over the actor database: the database connection,
 * every payment actor (their cached state), the alarm scheduler, the ingress delivery and
 * the metrics counted over them. All of it is built from what is on disk, so after a failed
 * commit (caches ahead of the disk) the actor thread closes one of these and opens another
 * (storage-pause.ts), while the sink thread, the velocity store's connection to Redis and
 * the HTTP thread carry on.
 *
 * Opened `paused`, it reads (inspection) and runs nothing; `resume()` re-arms the stored
 * alarms, wakes actors with pending work and starts taking the ingress log's entries.
 */
import { ActorDatabase, type Durability, type DurabilityFailureStage } from "../../../actors/bun/actor-database.ts";
import { BunActorSystem } from "../../../actors/bun/bun-actor-system.ts";
import { DEFAULT_HORIZON_MS } from "../../../actors/bun/alarm-scheduler.ts";
import { deliveredThroughWriter, IngressReader } from "../../../actors/bun/ingress-log.ts";
import { OutboxAge } from "../../../actors/bun/outbox-age.ts";
import type { PaymentActorLimits } from "../../../actors/payment/limits.ts";
import { PaymentActor } from "../../../actors/payment/payment-actor.ts";
import type { PaymentView } from "../../../actors/payment/inspect.ts";
import { PENDING_WORK_PREFIXES, PREFIX_OUTBOX } from "../../../actors/payment/storage-layout.ts";
import type { FraudRuleSet } from "../../core/fraud/rules.ts";
import type { VelocityStore } from "../../core/fraud/velocity.ts";
import { MetricsRegistry } from "../../http/metrics.ts";
import type { SinkBatcher } from "../../sink/batcher.ts";
import { EmbeddedVelocityStore } from "../../velocity/embedded-sqlite.ts";
import { actorMetrics } from "../actor-metrics.ts";
import { actorsPath, ingressPath } from "./actor-thread-protocol.ts";
import { deliverIngressMessage, IngressDelivery } from "./ingress-delivery.ts";
import type { IngressMessage } from "./ingress.ts";
import { deliverLegacyIngress } from "./legacy-ingress.ts";
import { openingFile } from "./start-failure.ts";

/**
 * At most one commit of the actor database every 5 ms: under load, larger group commits.
 * Measured (`npm run bench`, alternated twice with 0): actor thread 217 and 216 µs an event at
 * 2,500 events/s against 235 and 233, 217 and 206 at 3,500/s against 220 and 220, the backlog
 * there 7,891 and 2,975 against 9,617 and 5,450; an event reaches Postgres at most 5 ms later.
 */
export const ACTORS_COMMIT_INTERVAL_MS = 5;

export interface ActorProcessingOptions {
  data_dir: string;
  durability: Durability;
  /** Ingress entries up to this are in the actors' storage already (the watermark at start). */
  ingress_delivered_through: number;
  batcher: SinkBatcher;
  /** The Redis velocity store, or null for the embedded one (in the actor database). */
  redis_velocity: VelocityStore | null;
  fraud_rules: FraudRuleSet;
  fraud_fail_open: boolean;
  limits: PaymentActorLimits;
  /** ACTOR_INSTANCES_MAX: payment actors kept in memory. */
  actor_instances_max: number;
  /** A commit or fsync of the actor database failed (the database commits nothing after). */
  on_durability_failure: (error: unknown, stage: DurabilityFailureStage) => void;
  /** Every ingress entry up to `sequence` is durable in its actor's storage. */
  on_ingress_delivered: (sequence: number) => void;
}

export class ActorProcessing {
  readonly database: ActorDatabase;
  readonly system: BunActorSystem<PaymentActor>;
  readonly delivery: IngressDelivery;
  readonly outbox_age: OutboxAge;
  /** Counters of this incarnation (they restart at 0 with the next one, as after a restart). */
  readonly registry = new MetricsRegistry();
  private readonly ingress_reader: IngressReader<IngressMessage>;
  private running = false;

  constructor(private readonly options: ActorProcessingOptions) {
    const path = actorsPath(options.data_dir);
    this.database = openingFile(path, "the actor database", () => new ActorDatabase({ path, durability: options.durability, on_durability_failure: options.on_durability_failure, commit_interval_ms: ACTORS_COMMIT_INTERVAL_MS }));
    // Embedded velocity counters share the actor database: their writes join the group commit,
    // and a crash undoes an observation together with the processing that made it.
    const velocity = options.redis_velocity ?? new EmbeddedVelocityStore(this.database.db);
    const metrics = actorMetrics(this.registry, this.database.count(PREFIX_OUTBOX));
    const dependencies = { velocity, sink: options.batcher, fraud_rules: options.fraud_rules, limits: options.limits, metrics, random: Math.random, fraud_fail_open: options.fraud_fail_open };
    this.system = new BunActorSystem<PaymentActor>(this.database, (context) => new PaymentActor(context, dependencies), Date.now, {
      instances_max: options.actor_instances_max,
    });
    this.ingress_reader = new IngressReader<IngressMessage>(ingressPath(options.data_dir));
    this.delivery = new IngressDelivery(
      this.ingress_reader,
      this.database,
      this.system.scheduler,
      (entry) => deliverIngressMessage(this.system.get(entry.actor), entry.value),
      options.on_ingress_delivered,
      { delivered_through: options.ingress_delivered_through, record: deliveredThroughWriter(this.database) },
    );
    this.outbox_age = new OutboxAge(this.database.db);
    this.registerGauges();
  }

  get resumed(): boolean {
    return this.running;
  }

  /**
   * Starts processing: delivers what an older version left in its ingress table, re-arms the
   * stored alarms, wakes actors with pending work, and takes ingress entries up to
   * `ingress_through`. Returns how many actors were resumed.
   */
  resume(ingress_through: number): number {
    this.running = true;
    const legacy = deliverLegacyIngress(this.database, (actor, message) => deliverIngressMessage(this.system.get(actor), message));
    if (legacy > 0) console.error(`ingress: delivered ${legacy} acknowledged events left in the ingress table of an older version`);
    const resumed = openingFile(actorsPath(this.options.data_dir), "the actor database", () => this.system.start({ pending_prefixes: PENDING_WORK_PREFIXES })) + legacy;
    this.delivery.appended(ingress_through);
    return resumed;
  }

  /** Entries up to `sequence` are durable in the ingress log. */
  appended(sequence: number): void {
    if (this.running) this.delivery.appended(sequence);
  }

  /** An operation on one payment first takes its waiting ingress entries: it sees every acknowledged event. */
  actor(payment_id: string): PaymentActor {
    if (this.running) this.delivery.deliverFor(payment_id);
    return this.system.get(payment_id);
  }

  /**
   * A payment's view. While paused nothing is delivered, so its acknowledged events still in
   * the ingress log (up to `ingress_through`) are shown in its inbox, where delivery will put
   * them: after a full disk, an acknowledged payment never answers 404.
   */
  inspect(payment_id: string, ingress_through: number): PaymentView | null {
    const actor = this.actor(payment_id);
    if (this.running) return actor.inspect();
    const undelivered = this.delivery.waitingFor(payment_id, ingress_through).flatMap(({ value }) => ("event" in value ? [{ event: value.event, accepted_at: value.accepted_at }] : []));
    return actor.inspect(undelivered);
  }

  /** Stops taking entries and firing alarms, waits for running handlers, and closes. */
  async close(): Promise<void> {
    this.running = false;
    this.delivery.stop();
    await this.system.stop();
    await this.database.close();
    this.ingress_reader.close();
  }

  private registerGauges(): void {
    const { registry, system, database, outbox_age } = this;
    registry.gauge(
      "actors_with_pending_alarm",
      `Actors with work scheduled within the next ${DEFAULT_HORIZON_MS / 60_000} minutes (alarms further off, such as finished payments' retirements, are stored rows only).`,
      () => system.scheduler.pending(),
    );
    registry.gauge("processing_backlog", "Actors with due work waiting for a place to run.", () => system.scheduler.due());
    registry.gauge(
      "processing_lag_seconds",
      "How long the oldest waiting work has waited for processing (work found at start counts as overdue: +Inf).",
      () => system.scheduler.dueAgeMs() / 1000,
    );
    registry.gauge(
      "outbox_oldest_age_seconds",
      "How long the oldest outbox entry (rows owed to Postgres) has waited; past OUTBOX_AGE_MAX_MS /health is degraded.",
      () => outbox_age.oldestAgeMs(Date.now()) / 1000,
    );
    registry.gauge("actor_storage_commits", "Group commits of the actor database since it was opened.", () => database.commits);
  }
}
