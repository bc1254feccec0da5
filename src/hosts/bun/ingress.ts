/**
 * Webhook acceptance on the Bun host: an event is acknowledged once it is durable in the
 * ingress log (actors/bun/ingress-log.ts), and moved into its payment actor's inbox in the
 * processing slices that follow. Moving is idempotent (the actor recognises an id it has
 * seen), so a crash between adding to the inbox and removing from the log is harmless.
 * An admin operation on a payment first moves that payment's pending events, so inspection
 * shows every acknowledged event.
 */
import type { ActorDatabase } from "../../../actors/bun/actor-database.ts";
import type { AlarmSchedulerOptions } from "../../../actors/bun/alarm-scheduler.ts";
import type { BunActorSystem } from "../../../actors/bun/bun-actor-system.ts";
import { IngressLog, type IngressEntry } from "../../../actors/bun/ingress-log.ts";
import type { PaymentActor } from "../../../actors/payment/payment-actor.ts";
import type { MessageSource, PaymentEvent } from "../../core/event.ts";
import type { AcceptOutcome } from "../../http/ports.ts";

interface IngressMessage {
  event: PaymentEvent;
  source: MessageSource;
  accepted_at: number;
}

const MOVE_PAGE_ENTRIES = 16;

export class BunIngress {
  readonly log: IngressLog<IngressMessage>;
  private move_scheduled = false;
  private move_timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | null = null;
  private stopped = false;

  constructor(
    private readonly database: ActorDatabase,
    private readonly system: BunActorSystem<PaymentActor>,
    private readonly options: { now: () => number; schedule: Required<AlarmSchedulerOptions> },
  ) {
    this.log = new IngressLog(database);
  }

  /** Starts moving what a previous run acknowledged and left in the log; returns how much. */
  start(): number {
    if (this.log.size() > 0) this.scheduleMove();
    return this.log.size();
  }

  /** Stops moving; what is left stays in the log, durable, for the next start. */
  stop(): void {
    this.stopped = true;
    if (this.move_timer !== null) {
      clearTimeout(this.move_timer as ReturnType<typeof setTimeout>);
      clearImmediate(this.move_timer as ReturnType<typeof setImmediate>);
    }
  }

  /** Resolves once the event is durable (or known as a duplicate of one that is). */
  async accept(event: PaymentEvent, source: MessageSource): Promise<AcceptOutcome> {
    const outcome = this.admit(event, source);
    await this.database.sync();
    return outcome;
  }

  /** Moves one payment's pending events into its inbox now. */
  drain(payment_id: string): void {
    if (this.log.pendingFor(payment_id) > 0) this.move(this.log.entriesFor(payment_id));
  }

  private admit(event: PaymentEvent, source: MessageSource): AcceptOutcome {
    const payment_id = event.payment_id;
    if (this.log.has(payment_id, event.id)) return "duplicate";
    const actor = this.system.get(payment_id);
    if (actor.hasSeen(event.id)) return "duplicate";
    const refusal = actor.refusal(this.log.pendingFor(payment_id));
    if (refusal !== null) return refusal;
    this.log.append(payment_id, event.id, { event, source, accepted_at: this.options.now() });
    this.scheduleMove();
    return "accepted";
  }

  private move(entries: Array<IngressEntry<IngressMessage>>): void {
    for (const entry of entries) {
      const { event, source, accepted_at } = entry.value;
      this.system.get(entry.actor).acceptNow(event, source, { accepted_at });
      this.log.remove(entry);
      this.log.forget(entry);
    }
  }

  /** Moves pending events in slices, on the same schedule as the actors' own work. */
  private scheduleMove(): void {
    if (this.move_scheduled || this.stopped) return;
    this.move_scheduled = true;
    const pause = this.options.schedule.pause_ms();
    const run = () => {
      this.move_scheduled = false;
      this.move_timer = null;
      if (this.stopped) return;
      const deadline = performance.now() + this.options.schedule.slice_ms();
      do {
        this.move(this.log.oldest(MOVE_PAGE_ENTRIES));
      } while (this.log.size() > 0 && performance.now() < deadline);
      if (this.log.size() > 0) this.scheduleMove();
    };
    this.move_timer = pause > 0 ? setTimeout(run, pause) : setImmediate(run);
  }
}
