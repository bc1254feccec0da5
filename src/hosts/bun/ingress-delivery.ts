/**
 * On the actor thread: takes the ingress log's durable entries (ingress.ts) and hands each to
 * its payment actor (`PaymentActor.deliver`), in acceptance order, as fast as processing
 * keeps up: while many actors wait for a place to run, it waits too, so the backlog stays in
 * the log, where the HTTP thread sees it and answers 503 before it grows too long. Once a
 * delivered prefix is durable in the actors' storage it is reported, and the HTTP thread
 * deletes it from the log.
 */
import type { ActorDatabase } from "../../../actors/bun/actor-database.ts";
import type { AlarmScheduler } from "../../../actors/bun/alarm-scheduler.ts";
import type { IngressEntry, IngressReader } from "../../../actors/bun/ingress-log.ts";
import type { PaymentActor } from "../../../actors/payment/payment-actor.ts";
import type { IngressMessage } from "./ingress.ts";

/** Hands one acknowledged message to its actor: an event to the inbox, a poison record to the dead letters. */
export function deliverIngressMessage(actor: PaymentActor, message: IngressMessage): void {
  if ("refused" in message) actor.deliverDeadLetter(message.refused, message.accepted_at);
  else actor.deliver(message.event, message.source, message.accepted_at);
}

/** Deliver no more while this many actors wait for a place to run. */
const DUE_ACTORS_MAX = 1_024;

/**
 * Entries read and delivered in one turn of the event loop. Their actors' processing starts
 * in that turn too, so a larger page makes larger commits and an operator's request waits
 * behind a longer turn. Measured on two slow cores: at 2,000 events/s GET /payments/:id took
 * p50 64 and p99 270 ms with 256, 8.9 and 77 ms with 32; at 2,500 events/s, alternated
 * twice, 256 kept up where 32 fell behind (actor thread 283 and 304 µs an event against 364
 * and 316, backlog 3,245 and 9,782 against 17,637 and 11,298). Throughput under load first.
 */
const PAGE_ENTRIES_MAX = 256;

/** While processing is behind, how often to look again. */
const WAIT_MS = 2;

export class IngressDelivery {
  private durable_through = 0;
  private delivered_through = 0;
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly reader: IngressReader<IngressMessage>,
    private readonly database: ActorDatabase,
    private readonly scheduler: AlarmScheduler,
    private readonly deliver: (entry: IngressEntry<IngressMessage>) => void,
    /** Every entry up to `sequence` is durable in its actor's storage. */
    private readonly report: (sequence: number) => void,
    progress: {
      /** Entries up to this are in the actors' storage already. */
      delivered_through: number;
      /** Keeps how far delivery went, in the batch of the deliveries (deliveredThroughWriter). */
      record: (through: number) => void;
    } = { delivered_through: 0, record: () => {} },
  ) {
    this.delivered_through = progress.delivered_through;
    this.durable_through = progress.delivered_through;
    this.record = progress.record;
  }

  private readonly record: (through: number) => void;

  /** Entries up to `sequence` are durable in the log. */
  appended(sequence: number): void {
    if (sequence <= this.durable_through) return;
    this.durable_through = sequence;
    this.schedule(0);
  }

  /** Entries announced and not yet delivered (at most: sequences may have gaps). */
  waiting(): number {
    return this.durable_through - this.delivered_through;
  }

  /** Delivers one actor's waiting entries now: an operator's view of it shows every acknowledged event. */
  deliverFor(actor: string): void {
    for (const entry of this.waitingFor(actor, this.durable_through)) this.deliver(entry);
  }

  /** One actor's entries not delivered yet, up to `through` (durable in the log). */
  waitingFor(actor: string, through: number): Array<IngressEntry<IngressMessage>> {
    return this.reader.entriesFor(actor, this.delivered_through, Math.max(through, this.durable_through));
  }

  stop(): void {
    this.stopped = true;
  }

  private schedule(delay_ms: number): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.pump();
    };
    if (delay_ms === 0) setImmediate(run);
    else setTimeout(run, delay_ms);
  }

  private pump(): void {
    if (this.stopped || this.delivered_through >= this.durable_through) return;
    if (this.scheduler.due() >= DUE_ACTORS_MAX) {
      this.schedule(WAIT_MS);
      return;
    }
    const entries = this.reader.entries(this.delivered_through, this.durable_through, PAGE_ENTRIES_MAX);
    if (entries.length === 0) {
      // Announced but not yet visible to this connection: look again, never skip ahead.
      this.schedule(WAIT_MS);
      return;
    }
    for (const entry of entries) this.deliver(entry);
    // Processing starts in this turn, so the payments' rows are written by one group commit
    // with their delivery, not by two (measured at 1,000 events/s: 22-26% fewer WAL pages).
    this.scheduler.startDue();
    const through = entries.at(-1)!.sequence;
    this.delivered_through = through;
    this.record(through);
    // A failed commit is answered by the actor thread as a whole (storage-pause.ts): nothing
    // is reported, so the entries stay in the log and are delivered again after the rebuild.
    void this.database.sync().then(
      () => this.report(through),
      () => {},
    );
    this.schedule(0);
  }
}
