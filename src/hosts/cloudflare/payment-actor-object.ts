/**
 * The payment actor as a SQLite-backed Durable Object, one per payment id: the unchanged
 * PaymentActor (actors/payment) on the Cloudflare adapter (actors/cloudflare). Its public
 * methods are the RPC surface the Worker calls; `alarm()` drives the run loop, retries, hold
 * timeouts and flushes.
 */
import { DurableObject } from "cloudflare:workers";
import { ActorObjectRuntime } from "../../../actors/cloudflare/actor-object-runtime.ts";
import { paymentActorLimits } from "../../../actors/payment/limits.ts";
import { PaymentActor, type AcceptOutcome } from "../../../actors/payment/payment-actor.ts";
import type { PaymentView } from "../../../actors/payment/inspect.ts";
import type { MessageSource, PaymentEvent } from "../../core/event.ts";
import type { RefusedRecord } from "../../core/refused-record.ts";
import type { OperatorOutcome } from "../../core/operator-outcome.ts";
import type { FraudDecision } from "../../core/payment.ts";
import type { CloudflareEnv } from "./env.ts";
import { actorConfig, isolateActorMetrics } from "./isolate.ts";
import { outboxSink } from "./sink-writers.ts";
import { velocityStore } from "./velocity-store.ts";

export class PaymentActorObject extends DurableObject<CloudflareEnv> {
  private readonly runtime = new ActorObjectRuntime(this.ctx);
  private actor: PaymentActor | null = null;

  async accept(event: PaymentEvent, source: MessageSource): Promise<AcceptOutcome> {
    return this.actorFor(event.payment_id).accept(event, source);
  }

  /** A poison Kafka record of this payment, for its dead letters (the Kafka consumer object's call). */
  async acceptDeadLetter(record: RefusedRecord): Promise<AcceptOutcome> {
    return this.actorFor(record.payment_id).acceptDeadLetter(record);
  }

  // An object that never accepted an event holds nothing: answer without writing, so a probe
  // of an unknown payment id leaves no object with storage behind.
  async inspect(payment_id: string): Promise<PaymentView | null> {
    return this.seen() ? this.actorFor(payment_id).inspect() : null;
  }

  async replay(payment_id: string, event_id: string): Promise<OperatorOutcome> {
    return this.seen() ? this.actorFor(payment_id).replay(event_id) : "not_found";
  }

  async discard(payment_id: string, event_id: string): Promise<OperatorOutcome> {
    return this.seen() ? this.actorFor(payment_id).discard(event_id) : "not_found";
  }

  async overrideFraud(payment_id: string, decision: FraudDecision, note: string | null): Promise<OperatorOutcome> {
    return this.seen() ? this.actorFor(payment_id).overrideFraud(decision, note) : "not_found";
  }

  async alarm(): Promise<void> {
    await this.runtime.runAlarm(async () => {
      const payment_id = this.runtime.storedKey();
      if (payment_id !== null) await this.actorFor(payment_id).alarm();
    });
  }

  private seen(): boolean {
    return this.runtime.storedKey() !== null;
  }

  private actorFor(payment_id: string): PaymentActor {
    if (this.actor !== null) return this.actor;
    const config = actorConfig(this.env);
    this.actor = new PaymentActor(this.runtime.context(payment_id), {
      velocity: velocityStore(this.env, config),
      sink: outboxSink(this.env, config.sink, payment_id),
      fraud_rules: config.fraud_rules,
      limits: paymentActorLimits(config.limits),
      metrics: isolateActorMetrics(),
      random: Math.random,
      fraud_fail_open: config.fraud_fail_open,
    });
    return this.actor;
  }
}
