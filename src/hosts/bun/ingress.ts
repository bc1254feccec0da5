/**
 * Webhook acceptance on the Bun host, on the HTTP thread: an event is admitted against its
 * actor's facts (actors/payment/admission.ts, read through a read-only connection while the
 * actor thread writes), appended to the ingress log, and acknowledged once that group commit
 * is durable. The actor thread then takes the log's entries as fast as it processes them
 * (ingress-delivery.ts), so acknowledging never waits behind processing, and processing
 * never waits for acknowledging: each has a core.
 */
import type { ActorDatabase } from "../../../actors/bun/actor-database.ts";
import type { ActorRowsReader } from "../../../actors/bun/actor-rows-reader.ts";
import { IngressLog } from "../../../actors/bun/ingress-log.ts";
import { admission, readAdmissionFacts, type AdmissionLimits } from "../../../actors/payment/admission.ts";
import type { MessageSource, PaymentEvent } from "../../core/event.ts";
import type { RefusedRecord } from "../../core/refused-record.ts";
import { errorMessage, TransientError } from "../../core/errors.ts";
import { isDiskFull, StorageFullError } from "../../core/storage-full.ts";
import type { AcceptOutcome } from "../../http/ports.ts";
import { FreshPayments } from "./fresh-payments.ts";
import { ProcessingBacklog, type ProcessingBacklogLimits } from "./processing-backlog.ts";
import type { StoragePause } from "./storage-pause.ts";

/** An event for its actor's inbox, or a poison Kafka record for its payment's dead letters. */
export type IngressMessage = { event: PaymentEvent; source: MessageSource; accepted_at: number } | { refused: RefusedRecord; accepted_at: number };

export class BunIngress {
  readonly log: IngressLog<IngressMessage>;
  readonly backlog: ProcessingBacklog;
  private facts: ActorRowsReader | null = null;
  private readonly fresh: FreshPayments;
  private announce_scheduled = false;
  /** The newest entry known durable: what the actor thread may read. */
  private durable_through = 0;
  private storage_full_since: number | null = null;
  /** Why the actor thread paused processing (storage-pause.ts), or null while it runs. */
  private actor_storage_paused: StoragePause | null = null;

  constructor(
    private readonly database: ActorDatabase,
    private readonly options: {
      limits: AdmissionLimits;
      backlog: ProcessingBacklogLimits;
      /** Tells the actor thread that entries up to a sequence are durable. */
      announce: (through: number) => void;
      now: () => number;
      /** Retry-After of a 503 storage_full (STORAGE_FULL_RETRY_AFTER_S). */
      storage_full_retry_after_s: number;
      /** How far the actors' database says the log was delivered (readDeliveredThrough). */
      delivered_through?: number;
    },
  ) {
    this.log = new IngressLog(database, options.delivered_through);
    this.backlog = new ProcessingBacklog(this.log, options.backlog);
    this.fresh = new FreshPayments(() => performance.now());
  }

  /** Starts admitting against the actors' rows (the actor thread has opened them). */
  open(facts: ActorRowsReader): void {
    this.facts = facts;
  }

  /** Resolves once the event is durable in the log (or known as a duplicate of one that is). */
  accept(event: PaymentEvent, source: MessageSource): Promise<AcceptOutcome> {
    return this.acknowledge(() => this.admit(event.payment_id, event.id, "event", (accepted_at) => ({ event, source, accepted_at })));
  }

  /** The same for a poison Kafka record of a known payment, bound for its dead letters. */
  acceptDeadLetter(refused: RefusedRecord): Promise<AcceptOutcome> {
    return this.acknowledge(() => this.admit(refused.payment_id, refused.id, "dead_letter", (accepted_at) => ({ refused, accepted_at })));
  }

  private async acknowledge(admit: () => { outcome: AcceptOutcome; sequence: number | null }): Promise<AcceptOutcome> {
    this.refuseWhilePaused();
    let admitted: { outcome: AcceptOutcome; sequence: number | null };
    try {
      admitted = admit();
    } catch (error) {
      throw this.storageFailed(error);
    }
    // Everything appended before this call is durable once it resolves; later entries may
    // still sit in an open batch, invisible to the actor thread, so only this one is announced.
    const appended = this.log.lastSequence();
    try {
      await this.database.sync();
    } catch (error) {
      // The batch was rolled back: this entry is not in the log and was never acknowledged.
      if (admitted.sequence !== null) this.log.forget(admitted.sequence);
      this.fresh.forgetAll();
      throw this.storageFailed(error);
    }
    this.storage_full_since = null;
    if (admitted.outcome === "accepted") this.announce(appended);
    return admitted.outcome;
  }

  /** When a write first found the disk full (performance.now), or null while writes succeed. */
  storageFullSince(): number | null {
    return this.storage_full_since;
  }

  /**
   * The actor thread paused processing after a failed commit (a full disk) and is rebuilding
   * from disk: nothing new is acknowledged until it resumes, so the log does not grow into
   * the disk it shares with the actors' storage.
   */
  actorStoragePaused(pause: StoragePause | null): void {
    this.actor_storage_paused = pause;
  }

  private refuseWhilePaused(): void {
    const pause = this.actor_storage_paused;
    if (pause === null) return;
    if (pause.disk_full) {
      throw new StorageFullError("the disk holding the actors' storage is full; nothing was acknowledged, retry later", this.options.storage_full_retry_after_s);
    }
    throw new TransientError(`the actors' storage failed to commit (${pause.reason}) and is rebuilt from disk; nothing was acknowledged, retry later`);
  }

  private storageFailed(error: unknown): Error {
    if (!isDiskFull(error)) return new TransientError(`the ingress log could not be written: ${errorMessage(error)}`);
    this.storage_full_since ??= performance.now();
    return new StorageFullError(`the disk holding the ingress log is full; nothing was acknowledged, retry later (${errorMessage(error)})`, this.options.storage_full_retry_after_s);
  }

  /** The actor thread has every entry up to `sequence` durably. */
  delivered(sequence: number): void {
    this.backlog.delivered(this.log.deliveredThrough(sequence));
  }

  private admit(
    actor: string,
    id: string,
    kind: "event" | "dead_letter",
    message: (accepted_at: number) => IngressMessage,
  ): { outcome: AcceptOutcome; sequence: number | null } {
    if (this.facts === null) throw new Error("the ingress is not open");
    if (this.log.has(actor, id)) return { outcome: "duplicate", sequence: null };
    let outcome = this.fresh.admission(actor, id, this.options.limits, kind);
    if (outcome === null) {
      const facts = readAdmissionFacts(this.facts.storageFor(actor), id);
      const pending = this.log.pendingFor(actor);
      if (!facts.stored && pending === 0) this.fresh.born(actor);
      outcome = admission({ ...facts, waiting: facts.waiting + pending }, this.options.limits, kind);
    }
    if (outcome !== "accepted") return { outcome, sequence: null };
    if (this.backlog.overloaded()) return { outcome: "overloaded", sequence: null };
    const sequence = this.log.append(actor, id, message(this.options.now()));
    this.fresh.admitted(actor, id);
    return { outcome, sequence };
  }

  /** One announcement for every acceptance that one commit made durable. */
  private announce(durable_through: number): void {
    this.durable_through = Math.max(this.durable_through, durable_through);
    if (this.announce_scheduled) return;
    this.announce_scheduled = true;
    queueMicrotask(() => {
      this.announce_scheduled = false;
      this.options.announce(this.durable_through);
    });
  }
}
